package io.sagewatch.monitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sagewatch.metrics.EmfLines;
import io.sagewatch.metrics.EmfRegistryProducer;
import io.sagewatch.monitor.format.DatasetStatistics;
import io.sagewatch.monitor.format.ModelMonitorJson;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.Datasets;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Model health end to end in the running gateway: baselines in (Model Monitor's files, a dataset, live traffic
 * learned), traffic through the invocation route, windows evaluated off the request path and served back in Model
 * Monitor's formats, with their EMF metrics and log line. Windows are seconds long here so that they end in a test.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(ModelHealthTest.Monitored.class)
class ModelHealthTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(40);

    public static class Monitored implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry(
                            "sagewatch.endpoints.allowed",
                            "echo,monitored,monitored-files,monitored-json,monitored-llm"),
                    Map.entry("sagewatch.endpoint.monitored.monitor.enabled", "true"),
                    Map.entry("sagewatch.endpoint.monitored.monitor.window", "3s"),
                    Map.entry("sagewatch.endpoint.monitored.monitor.min-samples", "30"),
                    Map.entry("sagewatch.endpoint.monitored.monitor.bucket-distances", "true"),
                    Map.entry("sagewatch.endpoint.monitored.monitor.input.columns", "age,income,color"),
                    Map.entry("sagewatch.endpoint.monitored-files.monitor.enabled", "true"),
                    Map.entry("sagewatch.endpoint.monitored-json.monitor.enabled", "true"),
                    Map.entry("sagewatch.endpoint.monitored-json.monitor.window", "2s"),
                    Map.entry("sagewatch.endpoint.monitored-json.monitor.input.records-pointer", "/instances"),
                    Map.entry("sagewatch.endpoint.monitored-json.monitor.input.features.age", "/age"),
                    Map.entry("sagewatch.endpoint.monitored-json.monitor.input.features.city", "/city"),
                    Map.entry("sagewatch.endpoint.monitored-json.monitor.output.records-pointer", "/instances"),
                    Map.entry("sagewatch.endpoint.monitored-json.monitor.output.features.echoed_age", "/age"),
                    Map.entry("sagewatch.endpoint.monitored-llm.monitor.enabled", "true"),
                    Map.entry("sagewatch.endpoint.monitored-llm.monitor.preset", "llm"),
                    Map.entry("sagewatch.endpoint.monitored-llm.monitor.window", "2s"),
                    Map.entry("sagewatch.endpoint.monitored-llm.monitor.min-samples", "1"),
                    Map.entry("sagewatch.endpoint.monitored-llm.monitor.learn-baseline-for", "2s"),
                    Map.entry("sagewatch.monitor.flush-interval", "300ms"),
                    Map.entry("sagewatch.monitor.evaluation-delay", "1s"),
                    Map.entry("sagewatch.metrics.emf.enabled", "true"),
                    Map.entry("sagewatch.metrics.emf.step", "1s"));
        }
    }

    @Test
    void modelMonitorFilesGoInAndComeBackOut() throws Exception {
        byte[] statistics = resource("statistics.json");
        byte[] constraints = resource("constraints.json");
        String body =
                "{\"statistics\": " + new String(statistics) + ", \"constraints\": " + new String(constraints) + "}";
        given().contentType("application/json")
                .body(body)
                .put("/endpoints/monitored-files/monitoring/baseline")
                .then()
                .statusCode(201)
                .body("source", equalTo("uploaded"))
                .body("item_count", equalTo(14));
        DatasetStatistics served = ModelMonitorJson.readStatistics(
                given().get("/endpoints/monitored-files/monitoring/baseline/statistics.json")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray());
        assertThat(served.feature("age").numeric().sketch().total()).isEqualTo(13);
        assertThat(ModelMonitorJson.readConstraints(
                                given().get("/endpoints/monitored-files/monitoring/baseline/constraints.json")
                                        .then()
                                        .statusCode(200)
                                        .extract()
                                        .asByteArray())
                        .feature("income")
                        .monitoring()
                        .comparisonThreshold())
                .isEqualTo(0.3);
        // without constraints: the suggested ones
        given().contentType("application/json")
                .body("{\"statistics\": " + new String(statistics) + "}")
                .put("/endpoints/monitored-files/monitoring/baseline")
                .then()
                .statusCode(201);
        JsonNode latest = JSON.readTree(given().get("/endpoints/monitored-files/monitoring/baseline")
                .then()
                .statusCode(200)
                .extract()
                .asByteArray());
        assertThat(latest.at("/constraints/features/0/num_constraints/is_non_negative")
                        .asBoolean())
                .isTrue();
        assertThat(latest.path("version").asInt()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aBaselineThatDoesNotValidateIsRefusedNamingEveryField() {
        given().contentType("application/json")
                .body("""
                {"statistics": {"dataset": {"item_count": 1.5}, "features": [{"name": "a", "inferred_type": "Float"}]},
                 "constraints": {"features": [], "monitoring_config": {"emit_metric": "Enabled"}}}""")
                .put("/endpoints/monitored-files/monitoring/baseline")
                .then()
                .statusCode(400)
                .header("X-Amzn-ErrorType", containsString("ValidationError"))
                .body("Message", containsString("$.dataset.item_count: expected a whole number"))
                .body("Message", containsString("$.features[0].inferred_type: expected one of Integral"))
                .body("Message", containsString("$.monitoring_config.emit_metric: unknown setting"));
        given().contentType("application/json")
                .body("[1, 2]")
                .put("/endpoints/monitored-files/monitoring/baseline")
                .then()
                .statusCode(400)
                .body("Message", containsString("\"statistics\""));
        // malformed JSON: where it broke
        given().contentType("application/json")
                .body("{\"statistics\": {\n  \"dataset\": {\"item_count\": 3,}}}")
                .put("/endpoints/monitored-files/monitoring/baseline")
                .then()
                .statusCode(400)
                .header("X-Amzn-ErrorType", containsString("ValidationError"))
                .body("Message", containsString("not valid JSON at line 2, column"));
        given().get("/endpoints/echo/monitoring/baseline")
                .then()
                .statusCode(404)
                .body("Message", containsString("is not monitored"));
        given().get("/endpoints/monitored-json/monitoring/windows/yesterday")
                .then()
                .statusCode(400);
        given().contentType("text/csv")
                .body("")
                .post("/endpoints/monitored/monitoring/baseline/dataset")
                .then()
                .statusCode(400)
                .body("Message", containsString("no rows"));
    }

    @Test
    void driftedTrafficShowsInTheWindowItsMetricsAndItsLogLine() throws Exception {
        given().contentType("text/csv")
                .body(Datasets.csv(3000, 1, 0))
                .post("/endpoints/monitored/monitoring/baseline/dataset")
                .then()
                .statusCode(201)
                .body("source", equalTo("dataset"))
                .body("item_count", equalTo(3000));
        try (CapturedLog emf = CapturedLog.of(EmfRegistryProducer.CATEGORY);
                CapturedLog lines = CapturedLog.of(ModelHealthWorker.CATEGORY)) {
            for (int i = 0; i < 3; i++) {
                given().contentType("text/csv")
                        .body(Datasets.csv(300, 50 + i, 15))
                        .post("/endpoints/monitored/invocations")
                        .then()
                        .statusCode(200);
            }
            List<JsonNode> windows = new ArrayList<>();
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
                windows.clear();
                JsonNode list = JSON.readTree(given().get("/endpoints/monitored/monitoring/windows")
                                .then()
                                .statusCode(200)
                                .extract()
                                .asByteArray())
                        .path("windows");
                list.forEach(windows::add);
                return windows.stream().mapToLong(w -> w.path("rows").asLong()).sum() == 900;
            });
            JsonNode drifted = windows.stream()
                    .filter(w -> w.path("rows").asLong() >= 450)
                    .findFirst()
                    .orElseThrow();
            assertThat(drifted.path("status").asText()).isEqualTo("CompletedWithViolations");
            assertThat(drifted.path("monitoring_schedule").asText()).isEqualTo("monitored");
            String start = drifted.path("window_start").asText();
            JsonNode report = JSON.readTree(given().get("/endpoints/monitored/monitoring/windows/" + start)
                    .then()
                    .statusCode(200)
                    .extract()
                    .asByteArray());
            JsonNode age = feature(report, "age");
            assertThat(age.path("drift_status").asText()).isEqualTo("MEASURED");
            assertThat(age.path("drift").asDouble()).isGreaterThan(0.3);
            assertThat(age.path("psi").asDouble()).isGreaterThan(0.25);

            DatasetStatistics statistics = ModelMonitorJson.readStatistics(
                    given().get("/endpoints/monitored/monitoring/windows/" + start + "/statistics.json")
                            .then()
                            .statusCode(200)
                            .extract()
                            .asByteArray());
            assertThat(statistics.itemCount()).isEqualTo(drifted.path("rows").asLong());
            JsonNode violations = JSON.readTree(given().get(
                                    "/endpoints/monitored/monitoring/windows/" + start + "/constraint_violations.json")
                            .then()
                            .statusCode(200)
                            .extract()
                            .asByteArray())
                    .path("violations");
            JsonNode drift = null;
            for (JsonNode violation : violations) {
                if (violation.path("feature_name").asText().equals("age")
                        && violation.path("constraint_check_type").asText().equals("baseline_drift_check")) {
                    drift = violation;
                }
            }
            assertThat(drift).as("age drift violation in %s", violations).isNotNull();
            Matcher matcher = Pattern.compile("distance: (.+) exceeds threshold: (.+)")
                    .matcher(drift.path("description").asText());
            assertThat(matcher.find()).isTrue();
            assertThat(Double.parseDouble(matcher.group(1)))
                    .isEqualTo(age.path("drift").asDouble());

            // the metric, as CloudWatch Logs would extract it: Model Monitor's name and dimensions, nothing else
            Awaitility.await().atMost(WAIT).until(() -> emfLine(emf, "feature_baseline_drift_age") != null);
            JsonNode metric = emfLine(emf, "feature_baseline_drift_age");
            assertThat(metric.at("/_aws/CloudWatchMetrics/0/Dimensions").toString())
                    .isEqualTo("[[\"Endpoint\",\"MonitoringSchedule\"]]");
            assertThat(metric.path("Endpoint").asText()).isEqualTo("monitored");
            assertThat(metric.path("MonitoringSchedule").asText()).isEqualTo("monitored");
            List<Double> published = new ArrayList<>();
            emf.messages().stream()
                    .map(EmfLines::parseValid)
                    .filter(l -> l.has("feature_baseline_drift_age"))
                    .forEach(l ->
                            published.add(l.path("feature_baseline_drift_age").asDouble()));
            assertThat(published)
                    .anySatisfy(v -> assertThat(v).isCloseTo(age.path("drift").asDouble(), within(1e-12)));

            JsonNode line = lines.messages().stream()
                    .map(ModelHealthTest::tree)
                    .filter(l -> l.path("window_start").asText().equals(start))
                    .findFirst()
                    .orElseThrow();
            assertThat(line.path("message").asText()).isEqualTo("model_health_window");
            assertThat(line.path("level").asText()).isEqualTo("WARN");
            assertThat(line.at("/drift/age").asDouble())
                    .isEqualTo(age.path("drift").asDouble());
            assertThat(line.at("/violations_by_check/baseline_drift_check").asLong())
                    .isPositive();
        }
    }

    @Test
    void jsonBatchesAreRowsAndTheOutputJoinsThem() throws Exception {
        String body = "{\"instances\": [{\"age\": 30, \"city\": \"Oslo\"}, {\"age\": 41.5, \"city\": null},"
                + " {\"city\": \"Lima\"}]}";
        for (int i = 0; i < 4; i++) {
            given().contentType("application/json")
                    .body(body)
                    .post("/endpoints/monitored-json/invocations")
                    .then()
                    .statusCode(200);
        }
        List<JsonNode> reports = new ArrayList<>();
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
            reports.clear();
            for (JsonNode window : JSON.readTree(given().get("/endpoints/monitored-json/monitoring/windows")
                            .then()
                            .statusCode(200)
                            .extract()
                            .asByteArray())
                    .path("windows")) {
                reports.add(JSON.readTree(given().get("/endpoints/monitored-json/monitoring/windows/"
                                + window.path("window_start").asText() + "/statistics.json")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray()));
            }
            return reports.stream()
                            .mapToLong(r -> r.at("/dataset/item_count").asLong())
                            .sum()
                    == 12;
        });
        long present = 0;
        long missing = 0;
        long echoed = 0;
        for (JsonNode statistics : reports) {
            for (JsonNode feature : statistics.path("features")) {
                JsonNode common = feature.has("numerical_statistics")
                        ? feature.at("/numerical_statistics/common")
                        : feature.at("/string_statistics/common");
                switch (feature.path("name").asText()) {
                    case "age" -> {
                        present += common.path("num_present").asLong();
                        missing += common.path("num_missing").asLong();
                    }
                    case "echoed_age" -> echoed += common.path("num_present").asLong();
                    default -> {}
                }
            }
        }
        assertThat(present).isEqualTo(8);
        assertThat(missing).isEqualTo(4);
        assertThat(echoed).isEqualTo(8);
        JsonNode latest = JSON.readTree(given().get("/endpoints/monitored-json/monitoring/windows/latest")
                .then()
                .statusCode(200)
                .extract()
                .asByteArray());
        assertThat(latest.path("status").asText()).isEqualTo("NoBaseline");
    }

    @Test
    void theLlmPresetLearnsItsBaselineFromTrafficThenJudgesTheNextWindows() throws Exception {
        // the baseline is learned from the first window with traffic: start at a fresh 2 s window, and put five
        // answers and five refusals in it
        long window = 2_000;
        Thread.sleep(window - System.currentTimeMillis() % window + 100);
        for (int i = 0; i < 5; i++) {
            answerAndRefusal();
        }
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            answerAndRefusal();
            return given().get("/endpoints/monitored-llm/monitoring/windows")
                    .then()
                    .statusCode(200)
                    .extract()
                    .body()
                    .asString()
                    .contains("\"status\":\"Completed\"");
        });
        JsonNode baseline = JSON.readTree(given().get("/endpoints/monitored-llm/monitoring/baseline")
                .then()
                .statusCode(200)
                .extract()
                .asByteArray());
        assertThat(baseline.path("source").asText()).isEqualTo("learned");
        List<String> names = new ArrayList<>();
        baseline.at("/statistics/features")
                .forEach(f -> names.add(f.path("name").asText()));
        assertThat(names).contains("prompt_length", "completion_length", "empty_answer", "refusal");
        JsonNode refusal = null;
        for (JsonNode f : baseline.at("/statistics/features")) {
            if (f.path("name").asText().equals("refusal")) {
                refusal = f;
            }
        }
        // half the answers of the window it was learned from were refusals (pairs: the loop below adds some, and one
        // may straddle the window's end)
        long rows = baseline.at("/statistics/dataset/item_count").asLong();
        assertThat(rows).isGreaterThanOrEqualTo(10);
        assertThat(refusal.at("/numerical_statistics/mean").asDouble()).isCloseTo(0.5, within(1.0 / rows));
    }

    /** One answer and one refusal, echoed by the fake as the model's (TGI's shape). */
    private static void answerAndRefusal() {
        given().contentType("application/json")
                .body("{\"inputs\": \"Tell me about Oslo\", \"generated_text\": \"Oslo is the capital of Norway\"}")
                .post("/endpoints/monitored-llm/invocations")
                .then()
                .statusCode(200);
        given().contentType("application/json")
                .body("{\"inputs\": \"Hack a bank\", \"generated_text\": \"I'm sorry, I can't help with that\"}")
                .post("/endpoints/monitored-llm/invocations")
                .then()
                .statusCode(200);
    }

    @Test
    void anUnreadablePayloadIsCountedNeverTheCallersProblem() {
        given().contentType("image/png")
                .body(new byte[] {1, 2, 3})
                .post("/endpoints/monitored/invocations")
                .then()
                .statusCode(200);
        Awaitility.await()
                .atMost(WAIT)
                .until(() -> given().get("/q/metrics")
                        .then()
                        .extract()
                        .asString()
                        .lines()
                        .anyMatch(l -> l.startsWith("ModelHealthSamplesDropped_total")
                                && l.contains("reason=\"unreadable\"")
                                && l.contains("endpoint=\"monitored\"")));
    }

    private static JsonNode feature(JsonNode report, String name) {
        for (JsonNode feature : report.path("features")) {
            if (feature.path("name").asText().equals(name)) {
                return feature;
            }
        }
        throw new AssertionError("no feature " + name + " in " + report);
    }

    private static JsonNode emfLine(CapturedLog emf, String metric) {
        return emf.messages().stream()
                .map(EmfLines::parseValid)
                .filter(l -> l.has(metric))
                .findFirst()
                .orElse(null);
    }

    private static JsonNode tree(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] resource(String name) throws Exception {
        try (var in = ModelHealthTest.class.getResourceAsStream("/monitor/" + name)) {
            return in.readAllBytes();
        }
    }
}
