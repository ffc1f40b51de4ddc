package io.sagewatch.monitor;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.testing.Datasets;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.HttpBuild;
import io.sagewatch.testing.PackagedGateway;
import io.sagewatch.testing.SageMakerFake;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two packaged gateways (the jar; with -Pnative the executable) in front of one table report exactly what one gateway
 * reports for the same traffic (counts always; sketches here too, sized to hold a window exactly), and publish each window once; one of the two is killed (SIGKILL) mid-window after its
 * state was written, and a new one takes its place: nothing already written is lost. The same CSV batches go to
 * endpoint "replicated" (through the pair, alternately) and to endpoint "single" (through a third gateway alone).
 */
@HttpBuild
class ModelHealthReplicasIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final int BATCHES = 24;
    private static final int ROWS = 25;

    private static List<String> monitored() {
        List<String> settings = new ArrayList<>();
        for (String endpoint : List.of("replicated", "single")) {
            String prefix = "-Dsagewatch.endpoint." + endpoint + ".monitor.";
            settings.add(prefix + "enabled=true");
            settings.add(prefix + "window=4s");
            settings.add(prefix + "min-samples=1");
            settings.add(prefix + "input.columns=age,income,color");
        }
        // sketches that hold a window's values exactly: the statistics then compare equal, bucket for bucket (beyond
        // their size, KLL compacts with random coins, and two runs agree within its error, as WindowAccumulatorTest
        // shows)
        settings.add("-Dsagewatch.monitor.sketch-size=2048");
        settings.add("-Dsagewatch.monitor.flush-interval=300ms");
        settings.add("-Dsagewatch.monitor.evaluation-delay=2s");
        // the killed replica may die holding a window's claim (claimed, not yet reported): another takes it over once
        // the lease runs out, well within the wait below (the default 2 min would outlast it; CI saw this)
        settings.add("-Dsagewatch.monitor.evaluation-lease=5s");
        return settings;
    }

    @Test
    void twoReplicasReportWhatOneReportsAndEachWindowOnce() throws Exception {
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(FreePort.next());
                SageMakerFake model = new SageMakerFake()) {
            String table = "http://127.0.0.1:" + dynamo.port();
            List<PackagedGateway> gateways = new ArrayList<>();
            try {
                PackagedGateway first = start(gateways, dynamo, table, model);
                PackagedGateway second = start(gateways, dynamo, table, model);
                PackagedGateway alone = start(gateways, dynamo, table, model);
                for (int batch = 0; batch < BATCHES; batch++) {
                    String rows = Datasets.csv(ROWS, 1000 + batch, batch % 3);
                    clearOfWindowEnd(); // both copies of a batch in one window, so that windows can be compared
                    invoke(batch % 2 == 0 ? first : second, "replicated", rows);
                    invoke(alone, "single", rows);
                    if (batch == BATCHES / 2) {
                        Thread.sleep(1_000); // past a flush: what the second replica had is in the table
                        second.kill();
                        assertThat(second.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS))
                                .isTrue();
                        second = start(gateways, dynamo, table, model);
                    }
                    Thread.sleep(150);
                }
                long total = (long) BATCHES * ROWS;
                Map<String, JsonNode> replicated = awaitWindows(first, "replicated", total);
                Map<String, JsonNode> single = awaitWindows(alone, "single", total);

                // the same counts, summed over the windows
                assertThat(totals(alone, "replicated", replicated)).isEqualTo(totals(alone, "single", single));
                // window by window where both saw the same rows (a request pair can straddle a boundary)
                int compared = 0;
                for (Map.Entry<String, JsonNode> window : replicated.entrySet()) {
                    JsonNode other = single.get(window.getKey());
                    if (other != null
                            && other.path("rows").asLong()
                                    == window.getValue().path("rows").asLong()) {
                        assertThat(statistics(alone, "replicated", window.getKey()))
                                .isEqualTo(statistics(alone, "single", window.getKey()));
                        compared++;
                    }
                }
                assertThat(compared).as("windows compared one by one").isPositive();
                assertThat(replicated.values())
                        .as("some window merged two replicas' states")
                        .anyMatch(w -> w.path("replicas").asInt() >= 2);

                // published once: one log line per window across every gateway of the pair
                Map<String, Integer> lines = new TreeMap<>();
                for (PackagedGateway gateway : gateways) {
                    for (String line : gateway.output().split("\n")) {
                        if (line.startsWith("{")
                                && line.contains("\"message\":\"model_health_window\"")
                                && line.contains("\"endpoint\":\"replicated\"")) {
                            lines.merge(JSON.readTree(line).path("window_start").asText(), 1, Integer::sum);
                        }
                    }
                }
                assertThat(lines.keySet()).containsExactlyInAnyOrderElementsOf(replicated.keySet());
                assertThat(lines.values()).allMatch(count -> count == 1);
            } finally {
                for (PackagedGateway gateway : gateways) {
                    gateway.close();
                }
            }
        }
    }

    private static PackagedGateway start(
            List<PackagedGateway> gateways, EmbeddedDynamoDb dynamo, String table, SageMakerFake model)
            throws Exception {
        PackagedGateway gateway = new PackagedGateway(dynamo, table, model, "replicated,single", monitored());
        gateways.add(gateway);
        gateway.awaitFirstInference("replicated"); // text/plain: not a row (counted as unreadable)
        return gateway;
    }

    /** Waits, when less than a second of the current 4 s window is left, until the next window begins. */
    private static void clearOfWindowEnd() throws InterruptedException {
        long window = 4_000;
        long left = window - System.currentTimeMillis() % window;
        if (left < 1_000) {
            Thread.sleep(left + 20);
        }
    }

    private static void invoke(PackagedGateway gateway, String endpoint, String csv) throws Exception {
        HttpResponse<String> response = CLIENT.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + gateway.port() + "/endpoints/" + endpoint + "/invocations"))
                        .header("Content-Type", "text/csv")
                        .POST(HttpRequest.BodyPublishers.ofString(csv))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    /** The endpoint's evaluated windows by start, once their rows add up to what was sent (60 s at most). */
    private static Map<String, JsonNode> awaitWindows(PackagedGateway gateway, String endpoint, long rows)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, JsonNode> windows = new TreeMap<>();
        while (System.nanoTime() < deadline) {
            windows.clear();
            JsonNode list = get(gateway, "/endpoints/" + endpoint + "/monitoring/windows?limit=100")
                    .path("windows");
            list.forEach(w -> windows.put(w.path("window_start").asText(), w));
            if (windows.values().stream()
                            .mapToLong(w -> w.path("rows").asLong())
                            .sum()
                    == rows) {
                return windows;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(endpoint + ": the windows' rows never added up to " + rows + ": " + windows);
    }

    /** Per feature, over every window: values present and missing (exact counts, whoever counted them). */
    private static Map<String, Long> totals(PackagedGateway gateway, String endpoint, Map<String, JsonNode> windows)
            throws Exception {
        Map<String, Long> totals = new TreeMap<>();
        for (String start : windows.keySet()) {
            JsonNode statistics =
                    get(gateway, "/endpoints/" + endpoint + "/monitoring/windows/" + start + "/statistics.json");
            totals.merge("rows", statistics.at("/dataset/item_count").asLong(), Long::sum);
            for (JsonNode feature : statistics.path("features")) {
                JsonNode common = feature.has("numerical_statistics")
                        ? feature.at("/numerical_statistics/common")
                        : feature.at("/string_statistics/common");
                String name = feature.path("name").asText();
                totals.merge(name + " present", common.path("num_present").asLong(), Long::sum);
                totals.merge(name + " missing", common.path("num_missing").asLong(), Long::sum);
            }
        }
        return totals;
    }

    /** One window's statistics.json, its floating sums and moments rounded to 9 significant digits. */
    private static String statistics(PackagedGateway gateway, String endpoint, String start) throws Exception {
        JsonNode statistics =
                get(gateway, "/endpoints/" + endpoint + "/monitoring/windows/" + start + "/statistics.json");
        StringBuilder text = new StringBuilder();
        text.append(statistics.at("/dataset/item_count").asLong());
        for (JsonNode feature : statistics.path("features")) {
            text.append('|')
                    .append(feature.path("name").asText())
                    .append(':')
                    .append(feature.path("inferred_type").asText());
            JsonNode numeric = feature.path("numerical_statistics");
            JsonNode common =
                    numeric.isMissingNode() ? feature.at("/string_statistics/common") : numeric.path("common");
            text.append(':')
                    .append(common.path("num_present").asLong())
                    .append('/')
                    .append(common.path("num_missing").asLong());
            if (!numeric.isMissingNode()) {
                for (String key : List.of("mean", "sum", "std_dev", "min", "max")) {
                    text.append(':')
                            .append(String.format("%.9g", numeric.path(key).asDouble()));
                }
                text.append(':').append(numeric.at("/distribution/kll/buckets").toString());
            } else {
                text.append(':')
                        .append(feature.at("/string_statistics/distribution").toString());
            }
        }
        return text.toString();
    }

    private static JsonNode get(PackagedGateway gateway, String path) throws Exception {
        HttpResponse<String> response = CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
