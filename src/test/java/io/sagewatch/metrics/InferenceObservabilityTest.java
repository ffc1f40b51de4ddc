package io.sagewatch.metrics;

import java.util.Iterator;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.Gateway;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an inference leaves behind besides its answer: tokens and cost in the record, meters, one JSON log line. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class InferenceObservabilityTest {

    private static final String OPENAI_ANSWER = "{\"choices\":[{\"message\":{\"content\":\"hi\"}}],"
            + "\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":300,\"total_tokens\":1500}}";

    @Test
    void tokensAndCostAreReadFromTheAnswerIntoTheRecord() {
        // the fake echoes the body: the model "answers" an OpenAI-shaped completion
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("application/json")
                .body(OPENAI_ANSWER)
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        JsonPath record = awaitFinalRecord(id);
        assertEquals(1200, record.getInt("input_tokens"));
        assertEquals(300, record.getInt("output_tokens"));
        // test price table: 0.0001 per invocation + 0.5 per 1k input + 1.5 per 1k output
        assertThat(record.getDouble("estimated_cost_usd"))
                .isCloseTo(0.0001 + 0.6 + 0.45, org.assertj.core.data.Offset.offset(1e-9));

        String custom = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", custom)
                .contentType("application/json")
                .body("{\"meta\":{\"tokens_in\":7,\"tokens_out\":9}}")
                .post("/endpoints/custom-shape/invocations")
                .then()
                .statusCode(200);
        JsonPath customRecord = awaitFinalRecord(custom);
        assertEquals(7, customRecord.getInt("input_tokens"));
        assertEquals(9, customRecord.getInt("output_tokens"));

        String malformed = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", malformed)
                .contentType("application/json")
                .body("{\"usage\": {\"prompt_tokens\": 5")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.equalTo("{\"usage\": {\"prompt_tokens\": 5"));
        assertNull(awaitFinalRecord(malformed).get("input_tokens"), "malformed JSON passes through, no tokens");
    }

    @Test
    void everyInferenceWritesOneFlatJsonLogLine() throws Exception {
        String ok = newInferenceId();
        String failed = newInferenceId();
        try (CapturedLog lines = CapturedLog.of(InferenceLog.CATEGORY)) {
            given().header("X-Amzn-SageMaker-Inference-Id", ok)
                    .header("X-Amzn-SageMaker-Target-Model", "m7.tar.gz")
                    .contentType("application/json")
                    .body(OPENAI_ANSWER)
                    .post("/endpoints/echo/invocations")
                    .then()
                    .statusCode(200);
            given().header("X-Amzn-SageMaker-Inference-Id", failed)
                    .body("x")
                    .post("/endpoints/error-model/invocations")
                    .then()
                    .statusCode(424);

            JsonNode success = only(lines, ok);
            assertFlat(success);
            assertEquals("INFO", success.get("level").asText());
            assertEquals("m7.tar.gz", success.get("model_id").asText());
            assertEquals("echo", success.get("endpoint").asText());
            assertEquals(200, success.get("http_status").intValue());
            assertTrue(success.get("latency_ms").isNumber());
            assertTrue(success.get("model_latency_ms").isNumber());
            assertTrue(success.get("overhead_latency_ms").isNumber());
            assertTrue(success.get("request_id").isTextual());
            assertEquals(1200, success.get("input_tokens").intValue());
            assertEquals(300, success.get("output_tokens").intValue());
            assertTrue(success.get("estimated_cost_usd").isNumber());
            assertThat(success.toString()).doesNotContain("choices").as("no payload in the log");

            JsonNode failure = only(lines, failed);
            assertFlat(failure);
            assertEquals("ERROR", failure.get("level").asText());
            assertEquals("ModelError", failure.get("error_type").asText());
            assertEquals("error-model", failure.get("model_id").asText());
            assertEquals(424, failure.get("http_status").intValue());
            assertEquals("UPSTREAM", failure.get("error_origin").asText());
            assertNull(failure.get("error_message"), "a model's error text may quote the payload: record only");
        }
    }

    @Test
    void metersAreScrapedWithTheirDimensions() {
        double before = Gateway.scraped("Invocations_total", Map.of("endpoint", "echo"));
        double errorsBefore = Gateway.scraped("Invocation4XXErrors_total", Map.of("endpoint", "error-model"));
        double tokensBefore = Gateway.scraped("InputTokens_total", Map.of("endpoint", "echo"));
        given().contentType("application/json")
                .body(OPENAI_ANSWER)
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        given().body("x").post("/endpoints/error-model/invocations").then().statusCode(424);

        assertEquals(
                before + 1,
                Gateway.scraped(
                        "Invocations_total",
                        Map.of("endpoint", "echo", "variant", "AllTraffic", "service", "sagewatch")));
        assertEquals(errorsBefore + 1, Gateway.scraped("Invocation4XXErrors_total", Map.of("endpoint", "error-model")));
        assertEquals(tokensBefore + 1200, Gateway.scraped("InputTokens_total", Map.of("endpoint", "echo")));
        String scrape =
                given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(scrape)
                .contains("ModelLatency_seconds_bucket{endpoint=\"echo\"")
                .contains("OverheadLatency_seconds_count{endpoint=\"echo\"")
                .contains("RecordWriteLatency_seconds_count{endpoint=\"echo\"")
                .doesNotContain("inference_id=");
    }

    private static JsonNode only(CapturedLog lines, String inferenceId) throws Exception {
        var matching =
                lines.messages().stream().filter(l -> l.contains(inferenceId)).toList();
        assertEquals(1, matching.size(), "one line per inference: " + matching);
        return new ObjectMapper().readTree(matching.get(0));
    }

    private static void assertFlat(JsonNode line) {
        assertTrue(line.isObject());
        for (Iterator<Map.Entry<String, JsonNode>> it = line.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            assertTrue(field.getValue().isValueNode(), field.getKey() + " must be a plain value for Logs Insights");
        }
    }
}
