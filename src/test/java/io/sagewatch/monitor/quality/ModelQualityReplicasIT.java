package io.sagewatch.monitor.quality;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.json.Json;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.HttpBuild;
import io.sagewatch.testing.PackagedGateway;
import io.sagewatch.testing.SageMakerFake;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two packaged gateways (the jar; with -Pnative the executable) in front of one table: inferences served by either,
 * labels posted to either (one label corrected through the other), one gateway killed (SIGKILL) after its predictions
 * were written: the windows together hold exactly the confusion matrix of every labelled inference, some window joins
 * both gateways' predictions, and each window is evaluated (and logged) once per evaluation across the pair.
 */
@HttpBuild
class ModelQualityReplicasIT {

    private static final HttpClient CLIENT =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final int INFERENCES = 160;

    private static List<String> measured() {
        String prefix = "-Dsagewatch.endpoint.churn.monitor.";
        return List.of(
                prefix + "window=3s",
                prefix + "quality.problem-type=BinaryClassification",
                prefix + "quality.probability-attribute=/score",
                prefix + "quality.ground-truth-wait=8s",
                "-Dsagewatch.monitor.flush-interval=300ms");
    }

    @Test
    void twoReplicasJoinLabelsToEachOthersPredictionsAndEvaluateEachWindowOnce() throws Exception {
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(FreePort.next());
                SageMakerFake model = new SageMakerFake()) {
            String table = "http://127.0.0.1:" + dynamo.port();
            List<PackagedGateway> gateways = new ArrayList<>();
            try {
                PackagedGateway first = start(gateways, dynamo, table, model);
                PackagedGateway second = start(gateways, dynamo, table, model);
                Random random = new Random(23);
                Map<String, boolean[]> sent = new LinkedHashMap<>(); // id -> predicted positive, actually positive
                for (int i = 0; i < INFERENCES; i++) {
                    boolean positive = random.nextDouble() < 0.5;
                    double score = Math.min(1, Math.max(0, (positive ? 0.65 : 0.35) + random.nextGaussian() * 0.2));
                    String id = "r-" + i;
                    post(
                            i % 2 == 0 ? first : second,
                            "/endpoints/churn/invocations",
                            "application/json",
                            id,
                            "{\"score\": " + score + "}");
                    sent.put(id, new boolean[] {score >= 0.5, positive});
                    Thread.sleep(15); // spread over a few windows
                }
                // the second gateway dies once its predictions are in the table: labels for them still join
                List<String> ids = new ArrayList<>(sent.keySet());
                awaitKept(first, ids.get(ids.size() - 1), sent.get(ids.get(ids.size() - 1))[1]);
                second.kill();
                assertThat(second.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
                PackagedGateway third = start(gateways, dynamo, table, model);

                // labels: the first half through one gateway, the rest through the other; r-0 first wrong, then
                // corrected through the other gateway (the last label wins)
                StringBuilder half = new StringBuilder("inference_id,label\n");
                StringBuilder rest = new StringBuilder("inference_id,label\n");
                for (int i = 0; i < ids.size(); i++) {
                    String label = sent.get(ids.get(i))[1] ? "1" : "0";
                    (i < ids.size() / 2 ? half : rest)
                            .append(ids.get(i))
                            .append(',')
                            .append(label)
                            .append('\n');
                }
                half.append("r-0,").append(sent.get("r-0")[1] ? "0" : "1").append('\n');
                JsonNode a = Json.MAPPER.readTree(
                        post(first, "/endpoints/churn/monitoring/ground-truth", "text/csv", null, half.toString()));
                JsonNode b = Json.MAPPER.readTree(post(
                        third,
                        "/endpoints/churn/monitoring/ground-truth",
                        "text/csv",
                        null,
                        rest.toString() + "r-0," + (sent.get("r-0")[1] ? "1" : "0") + "\n"));
                assertThat(a.path("accepted").asInt() + b.path("accepted").asInt())
                        .isEqualTo(INFERENCES + 1);
                assertThat(a.path("unknown").asInt() + b.path("unknown").asInt())
                        .isZero();

                long[] expected = new long[4]; // tn, fp, fn, tp
                sent.values().forEach(v -> expected[(v[1] ? 2 : 0) + (v[0] ? 1 : 0)]++);
                Map<String, JsonNode> windows = awaitWindows(third, INFERENCES);
                long[] matrix = new long[4];
                for (String start : windows.keySet()) {
                    JsonNode cm = get(
                                    first, "/endpoints/churn/monitoring/quality/windows/" + start + "/statistics.json")
                            .at("/binary_classification_metrics/confusion_matrix");
                    matrix[0] += cm.at("/0/0").asLong();
                    matrix[1] += cm.at("/0/1").asLong();
                    matrix[2] += cm.at("/1/0").asLong();
                    matrix[3] += cm.at("/1/1").asLong();
                }
                assertThat(matrix).containsExactly(expected);
                assertThat(windows.values())
                        .as("some window joined both gateways' predictions")
                        .anyMatch(w -> w.path("replicas").asInt() == 2);

                // evaluated once: one log line per window and evaluation across every gateway (a window whose labels
                // came late is evaluated a second time)
                Map<String, Integer> lines = new TreeMap<>();
                for (PackagedGateway gateway : gateways) {
                    for (String line : gateway.output().split("\n")) {
                        if (line.startsWith("{") && line.contains("\"message\":\"model_quality_window\"")) {
                            JsonNode parsed = Json.MAPPER.readTree(line);
                            lines.merge(
                                    parsed.path("window_start").asText() + " #"
                                            + parsed.path("evaluation").asInt(),
                                    1,
                                    Integer::sum);
                        }
                    }
                }
                assertThat(lines.keySet().stream()
                                .map(k -> k.substring(0, k.indexOf(" #")))
                                .distinct())
                        .containsExactlyInAnyOrderElementsOf(windows.keySet());
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
        PackagedGateway gateway = new PackagedGateway(dynamo, table, model, "churn", measured());
        gateways.add(gateway);
        gateway.awaitFirstInference("churn"); // text/plain: no score in it (counted as dropped)
        return gateway;
    }

    /** Posts a label that will be sent anyway until its prediction is found (written off the request path). */
    private static void awaitKept(PackagedGateway gateway, String id, boolean positive) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode answer = Json.MAPPER.readTree(post(
                    gateway,
                    "/endpoints/churn/monitoring/ground-truth",
                    "text/csv",
                    null,
                    id + "," + (positive ? "1" : "0")));
            if (answer.path("unknown").asInt() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the prediction of " + id + " was never kept");
    }

    /** The evaluated windows by start, once their rows add up (60 s at most). */
    private static Map<String, JsonNode> awaitWindows(PackagedGateway gateway, long rows) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, JsonNode> windows = new TreeMap<>();
        while (System.nanoTime() < deadline) {
            windows.clear();
            for (JsonNode w : get(gateway, "/endpoints/churn/monitoring/quality/windows?limit=100")
                    .path("windows")) {
                if (w.has("evaluation")) {
                    windows.put(w.path("window_start").asText(), w);
                }
            }
            if (windows.values().stream()
                            .mapToLong(w -> w.path("rows").asLong())
                            .sum()
                    == rows) {
                return windows;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the windows' rows never added up to " + rows + ": " + windows);
    }

    private static String post(PackagedGateway gateway, String path, String type, String inferenceId, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (inferenceId != null) {
            request.header("X-Amzn-SageMaker-Inference-Id", inferenceId);
        }
        HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private static JsonNode get(PackagedGateway gateway, String path) throws Exception {
        HttpResponse<String> response = CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }
}
