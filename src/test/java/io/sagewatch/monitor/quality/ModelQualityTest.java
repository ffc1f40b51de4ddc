package io.sagewatch.monitor.quality;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sagewatch.json.Json;
import io.sagewatch.metrics.EmfLines;
import io.sagewatch.metrics.EmfRegistryProducer;
import io.sagewatch.monitor.ModelHealthWorker;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.GatewayTestResource;
import io.sagewatch.testing.PythonScript;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Model quality end to end in the running gateway: predictions read from the answers of an endpoint (the fake model
 * echoes what it is sent, so the test chooses the answers), ground truth posted later in Model Monitor's format and as
 * CSV, windows evaluated once their wait is over and served in Model Monitor's formats, their metrics equal to
 * scikit-learn's on the same rows, late labels counted and re-evaluated once, metrics as CloudWatch receives them, the
 * log line. Windows are seconds long here.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(ModelQualityTest.Measured.class)
class ModelQualityTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /**
     * Long enough that a test's traffic, sent from the start of a window, stays in it on a slow machine (120 requests
     * through the Lambda build's test harness took over 6 s in CI).
     */
    private static final long WINDOW_MILLIS = 20_000;

    /** The regression test sends 4 inferences: a short window of its own, so that it waits seconds, not a window. */
    private static final long PRICE_WINDOW_MILLIS = 5_000;

    public static class Measured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("sagewatch.endpoints.allowed", "echo,churn,price"),
                    Map.entry("sagewatch.endpoint.churn.monitor.window", "20s"),
                    Map.entry("sagewatch.endpoint.churn.monitor.quality.problem-type", "BinaryClassification"),
                    Map.entry("sagewatch.endpoint.churn.monitor.quality.probability-attribute", "/score"),
                    Map.entry("sagewatch.endpoint.churn.monitor.quality.probability-threshold", "0.6"),
                    Map.entry("sagewatch.endpoint.churn.monitor.quality.ground-truth-wait", "2s"),
                    Map.entry("sagewatch.endpoint.price.monitor.window", "5s"),
                    Map.entry("sagewatch.endpoint.price.monitor.quality.problem-type", "Regression"),
                    Map.entry("sagewatch.endpoint.price.monitor.quality.inference-attribute", "0"),
                    Map.entry("sagewatch.endpoint.price.monitor.quality.ground-truth-wait", "2s"),
                    Map.entry("sagewatch.monitor.flush-interval", "300ms"),
                    Map.entry("sagewatch.monitor.evaluation-delay", "1s"),
                    Map.entry("sagewatch.metrics.emf.enabled", "true"),
                    Map.entry("sagewatch.metrics.emf.step", "1s"));
        }
    }

    @Test
    void labelsJoinTheirPredictionsAndTheWindowMatchesSklearn() throws Exception {
        // a baseline whose accuracy the window will not reach: the window completes with that violation
        given().contentType("application/json")
                .body("""
                {"statistics": {"version": 0.0, "dataset": {"item_count": 100},
                  "binary_classification_metrics": {"accuracy": {"value": 0.99, "standard_deviation": "NaN"},
                                                    "recall": {"value": 0.1, "standard_deviation": 0.01}}},
                 "constraints": {"version": 0.0, "binary_classification_constraints": {
                  "accuracy": {"threshold": 0.99, "comparison_operator": "LessThanThreshold"},
                  "false_positive_rate": {"threshold": 0.9, "comparison_operator": "GreaterThanThreshold"}}}}""")
                .put("/endpoints/churn/monitoring/quality/baseline")
                .then()
                .statusCode(201)
                .body("source", equalTo("upload"));

        Random random = new Random(17);
        int n = 120;
        String run = Long.toString(System.nanoTime(), 36);
        Map<String, double[]> sent = new LinkedHashMap<>(); // id -> score, truth (1/0)
        awaitFreshWindow(WINDOW_MILLIS, 15_000);
        for (int i = 0; i < n; i++) {
            boolean positive = random.nextDouble() < 0.4;
            double score =
                    Math.round(Math.min(1, Math.max(0, (positive ? 0.7 : 0.35) + random.nextGaussian() * 0.2)) * 100)
                            / 100.0;
            String id = run + "-" + i;
            given().contentType("application/json")
                    .header("X-Amzn-SageMaker-Inference-Id", id)
                    .body("{\"score\": " + score + "}")
                    .post("/endpoints/churn/invocations")
                    .then()
                    .statusCode(200);
            sent.put(id, new double[] {score, positive ? 1 : 0});
        }
        List<String> ids = new ArrayList<>(sent.keySet());
        // Model Monitor's ground-truth lines for all but the last 10; one id the gateway never saw, one broken line,
        // and one label sent twice in the batch (the second wins)
        StringBuilder lines = new StringBuilder();
        for (String id : ids.subList(0, n - 10)) {
            lines.append(groundTruth(id, sent.get(id)[1] == 1 ? "1" : "0")).append('\n');
        }
        lines.append(groundTruth("never-" + run, "1")).append('\n');
        lines.append("{\"groundTruthData\": {\"data\": \"1\"}}\n"); // no eventId: line n - 10 + 2
        String twice = ids.get(0);
        lines.append(groundTruth(twice, sent.get(twice)[1] == 1 ? "0" : "1")).append('\n');
        lines.append(groundTruth(twice, sent.get(twice)[1] == 1 ? "1" : "0")).append('\n');
        String probe = ids.get(n - 11);
        awaitPredictionKept("churn", probe, sent.get(probe)[1] == 1 ? "1" : "0");
        given().contentType("application/jsonlines")
                .body(lines.toString().getBytes(StandardCharsets.UTF_8))
                .post("/endpoints/churn/monitoring/ground-truth")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(n - 10))
                .body("unknown", equalTo(1))
                .body("late", equalTo(0))
                .body("rejected[0].line", equalTo(n - 10 + 2))
                .body("rejected[0].problem", containsString("eventId"));

        try (CapturedLog emf = CapturedLog.of(EmfRegistryProducer.CATEGORY);
                CapturedLog log = CapturedLog.of(ModelHealthWorker.CATEGORY)) {
            JsonNode window = awaitWindow("churn", w -> w.path("evaluation").asInt() == 1);
            assertThat(window.path("status").asText()).isEqualTo("CompletedWithViolations");
            assertThat(window.path("rows").asInt()).isEqualTo(n - 10);
            assertThat(window.path("replicas").asInt()).isEqualTo(1);
            String start = window.path("window_start").asText();

            JsonNode statistics = get("/endpoints/churn/monitoring/quality/windows/" + start + "/statistics.json");
            assertThat(statistics.at("/dataset/item_count").asInt()).isEqualTo(n - 10);
            JsonNode metrics = statistics.path("binary_classification_metrics");
            // the same rows in scikit-learn: every metric to 1e-9, and the curves point for point
            List<String> truth = new ArrayList<>();
            List<String> predicted = new ArrayList<>();
            List<Double> scores = new ArrayList<>();
            for (String id : ids.subList(0, n - 10)) {
                truth.add(sent.get(id)[1] == 1 ? "1" : "0");
                predicted.add(sent.get(id)[0] >= 0.6 ? "1" : "0");
                scores.add(sent.get(id)[0]);
            }
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("type", "BinaryClassification");
            request.put("positive", "1");
            request.put("truth", truth);
            request.put("predicted", predicted);
            request.put("probabilities", scores);
            JsonNode sklearn = Json.MAPPER.readTree(
                    PythonScript.runWithSklearn("quality_reference.py", Json.MAPPER.writeValueAsString(request)));
            for (Iterator<String> it = sklearn.path("metrics").fieldNames(); it.hasNext(); ) {
                String name = it.next();
                assertThat(metrics.path(name).path("value").asDouble())
                        .as(name)
                        .isCloseTo(sklearn.path("metrics").path(name).asDouble(), within(1e-9));
                assertThat(metrics.path(name).path("standard_deviation").asText())
                        .isEqualTo("NaN"); // < 200 rows
            }
            assertThat(metrics.at("/receiver_operating_characteristic_curve/true_positive_rates")
                            .size())
                    .isEqualTo(sklearn.path("roc").get(1).size());
            long positives = truth.stream().filter("1"::equals).count();
            assertThat(metrics.at("/confusion_matrix/1/1").asLong()
                            + metrics.at("/confusion_matrix/1/0").asLong())
                    .isEqualTo(positives);

            JsonNode violations = get("/endpoints/churn/monitoring/quality/windows/" + start
                            + "/constraint_violations.json")
                    .path("violations");
            assertThat(violations).hasSize(1);
            assertThat(violations.get(0).path("metric_name").asText()).isEqualTo("accuracy");
            assertThat(violations.get(0).path("constraint_check_type").asText()).isEqualTo("LessThanThreshold");
            assertThat(violations.get(0).path("description").asText())
                    .startsWith("Metric accuracy with "
                            + metrics.at("/accuracy/value").asDouble() + " +/- NaN was" + " LessThanThreshold '0.99'");

            // the metrics as CloudWatch receives them: Model Monitor's names and dimensions
            Awaitility.await().atMost(WAIT).until(() -> emfLine(emf, "accuracy") != null);
            JsonNode metric = emfLine(emf, "accuracy");
            assertThat(metric.at("/_aws/CloudWatchMetrics/0/Dimensions").toString())
                    .isEqualTo("[[\"Endpoint\",\"MonitoringSchedule\"]]");
            assertThat(metric.path("Endpoint").asText()).isEqualTo("churn");
            assertThat(metric.path("accuracy").asDouble())
                    .isCloseTo(metrics.at("/accuracy/value").asDouble(), within(1e-12));
            JsonNode line = log.messages().stream()
                    .map(ModelQualityTest::tree)
                    .filter(l -> l.path("message").asText().equals("model_quality_window")
                            && l.path("window_start").asText().equals(start))
                    .findFirst()
                    .orElseThrow();
            assertThat(line.path("level").asText()).isEqualTo("WARN");
            // what deploy/observability's saved query (sagewatch/model-quality-windows) reads
            for (String field : List.of("endpoint", "window_start", "status", "rows", "late_labels", "violations")) {
                assertThat(line.has(field)).as(field + " in " + line).isTrue();
            }
            assertThat(line.at("/metrics/accuracy").isNumber()).isTrue();
            assertThat(line.at("/metrics/f1").isNumber()).isTrue();
            assertThat(line.at("/metrics/auc").asDouble())
                    .isEqualTo(metrics.at("/auc/value").asDouble());

            // the last 10 labels come late (CSV this time): counted, and the window is evaluated once more with them
            StringBuilder csv = new StringBuilder("inference_id,label\n");
            for (String id : ids.subList(n - 10, n)) {
                csv.append(id)
                        .append(',')
                        .append(sent.get(id)[1] == 1 ? "1" : "0")
                        .append('\n');
            }
            given().contentType("text/csv")
                    .body(csv.toString())
                    .post("/endpoints/churn/monitoring/ground-truth")
                    .then()
                    .statusCode(200)
                    .body("accepted", equalTo(10))
                    .body("late", equalTo(10));
            JsonNode again = awaitWindow(
                    "churn",
                    w -> w.path("window_start").asText().equals(start)
                            && w.path("evaluation").asInt() == 2);
            assertThat(again.path("rows").asInt()).isEqualTo(n);
            assertThat(again.path("late_labels").asInt()).isEqualTo(10);
            assertThat(get("/endpoints/churn/monitoring/quality/windows/latest")
                            .path("rows")
                            .asInt())
                    .isEqualTo(n);
        }
    }

    @Test
    void regressionFromCsvAnswersAndBatchLabels() throws Exception {
        String run = Long.toString(System.nanoTime(), 36);
        awaitFreshWindow(PRICE_WINDOW_MILLIS, 3_000);
        // one inference of one row, one of three rows (a batch: its label holds one value per row)
        given().contentType("text/csv")
                .header("X-Amzn-SageMaker-Inference-Id", run + "-one")
                .body("10.5")
                .post("/endpoints/price/invocations")
                .then()
                .statusCode(200);
        given().contentType("text/csv")
                .header("X-Amzn-SageMaker-Inference-Id", run + "-batch")
                .body("1\n2\n4")
                .post("/endpoints/price/invocations")
                .then()
                .statusCode(200);
        // a client reusing its inference id: its latest prediction is the one labelled (and the batch still lands)
        for (String answer : List.of("5", "7")) {
            given().contentType("text/csv")
                    .header("X-Amzn-SageMaker-Inference-Id", run + "-again")
                    .body(answer)
                    .post("/endpoints/price/invocations")
                    .then()
                    .statusCode(200);
        }
        awaitPredictionKept("price", run + "-batch", "1,3,3");
        awaitPredictionKept("price", run + "-again", "7");
        given().contentType("application/jsonlines")
                .body((groundTruth(run + "-one", "12.5") + "\n"
                                + "{\"groundTruthData\":{\"data\":\"[1, 3]\",\"encoding\":\"JSON\"},\"eventMetadata\":"
                                + "{\"eventId\":\"" + run + "-batch\"},\"eventVersion\":\"0\"}\n"
                                + "{\"groundTruthData\":{\"data\":\"1,3,3\",\"encoding\":\"CSV\"},\"eventMetadata\":"
                                + "{\"eventId\":\"" + run + "-batch\"},\"eventVersion\":\"0\"}\n")
                        .getBytes(StandardCharsets.UTF_8))
                .post("/endpoints/price/monitoring/ground-truth")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(2));
        JsonNode window = awaitWindow(
                "price",
                w -> w.path("evaluation").asInt() >= 1 && w.path("rows").asInt() == 5);
        assertThat(window.path("status").asText()).isEqualTo("Completed");
        JsonNode metrics = get("/endpoints/price/monitoring/quality/windows/"
                        + window.path("window_start").asText() + "/statistics.json")
                .path("regression_metrics");
        // errors: 2, 0, 1, 1 and 0 (7 labelled 7) -> mae 0.8, mse 1.2
        assertThat(metrics.at("/mae/value").asDouble()).isCloseTo(0.8, within(1e-12));
        assertThat(metrics.at("/mse/value").asDouble()).isCloseTo(1.2, within(1e-12));
        assertThat(metrics.at("/rmse/value").asDouble()).isCloseTo(Math.sqrt(1.2), within(1e-12));
        // a batch label whose length does not match is named, not joined
        given().contentType("text/csv")
                .body(run + "-batch,\"1,2\"\n")
                .post("/endpoints/price/monitoring/ground-truth")
                .then()
                .statusCode(200)
                .body("accepted", equalTo(0))
                .body("rejected[0].problem", containsString("3 rows"));
    }

    @Test
    void baselinesFromADatasetAndClearErrors() {
        given().contentType("text/csv")
                .body("ground_truth,probability\n1,0.9\n0,0.2\n1,0.4\n0,0.7\n1,0.8\n")
                .post("/endpoints/churn/monitoring/quality/baseline/dataset")
                .then()
                .statusCode(201)
                .body("source", equalTo("dataset"))
                .body("statistics.dataset.item_count", equalTo(5))
                .body(
                        "constraints.binary_classification_constraints.false_positive_rate.comparison_operator",
                        equalTo("GreaterThanThreshold"))
                .body(
                        "constraints.binary_classification_constraints.recall.comparison_operator",
                        equalTo("LessThanThreshold"));
        given().get("/endpoints/churn/monitoring/quality/baseline/constraints.json")
                .then()
                .statusCode(200)
                .body("binary_classification_constraints.accuracy.threshold", equalTo(0.6f));
        given().contentType("application/json")
                .body(
                        "{\"statistics\": {\"regression_metrics\": {}}, \"constraints\": {\"binary_classification_constraints\":"
                                + " {\"f1\": {\"threshold\": \"x\", \"comparison_operator\": \"Above\"}}}}")
                .put("/endpoints/churn/monitoring/quality/baseline")
                .then()
                .statusCode(400)
                .header("X-Amzn-ErrorType", containsString("ValidationError"))
                .body("Message", containsString("no binary_classification_metrics"))
                .body("Message", containsString("f1.comparison_operator must be"));
        given().contentType("application/jsonlines")
                .body(new byte[0])
                .post("/endpoints/churn/monitoring/ground-truth")
                .then()
                .statusCode(400)
                .body("Message", containsString("groundTruthData"));
        given().get("/endpoints/echo/monitoring/quality/windows")
                .then()
                .statusCode(404)
                .body("Message", containsString("monitor.quality.problem-type"));
        given().get("/endpoints/churn/monitoring/quality/windows/yesterday")
                .then()
                .statusCode(400);
    }

    /**
     * Unless the time the test's traffic needs is left of the current window (the Lambda build's harness on a busy
     * machine has taken 10 s for 120 requests), waits for the next: the traffic then falls in one window, which ends
     * soon after.
     */
    private static void awaitFreshWindow(long windowMillis, long neededMillis) throws InterruptedException {
        long left = windowMillis - System.currentTimeMillis() % windowMillis;
        if (left < neededMillis) {
            Thread.sleep(left + 50);
        }
    }

    /**
     * The worker writes predictions off the request path: a label is only joined once its prediction is kept. Posting
     * the label the test will send anyway (the last label wins) tells when.
     */
    private static void awaitPredictionKept(String endpoint, String id, String label) {
        Awaitility.await()
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> given().contentType("text/csv")
                        .body("inference_id,label\n" + id + ",\"" + label + "\"\n")
                        .post("/endpoints/" + endpoint + "/monitoring/ground-truth")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("unknown")
                        .equals(0));
    }

    private static JsonNode awaitWindow(String endpoint, java.util.function.Predicate<JsonNode> wanted) {
        JsonNode[] found = new JsonNode[1];
        JsonNode[] seen = new JsonNode[1];
        try {
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
                seen[0] = get("/endpoints/" + endpoint + "/monitoring/quality/windows");
                for (JsonNode window : seen[0].path("windows")) {
                    if (wanted.test(window)) {
                        found[0] = window;
                        return true;
                    }
                }
                return false;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no such window of " + endpoint + " in " + seen[0], e);
        }
        return found[0];
    }

    static String groundTruth(String id, String label) {
        return "{\"groundTruthData\":{\"data\":\"" + label
                + "\",\"encoding\":\"CSV\"},\"eventMetadata\":{\"eventId\":\"" + id + "\"},\"eventVersion\":\"0\"}";
    }

    private static JsonNode get(String path) {
        return tree(given().get(path).then().statusCode(200).extract().asString());
    }

    private static JsonNode emfLine(CapturedLog emf, String metric) {
        return emf.messages().stream()
                .map(EmfLines::parseValid)
                .filter(l -> l.has(metric))
                .findFirst()
                .orElse(null);
    }

    static JsonNode tree(String line) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
