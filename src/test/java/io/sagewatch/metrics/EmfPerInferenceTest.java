package io.sagewatch.metrics;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Lambda setting (deploy/sam): EMF written at the end of every inference, before its response. Runs in both
 * builds; in the Lambda build the request is an API Gateway event, and the lines must exist when its answer does.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(EmfPerInferenceTest.EmfPerInference.class)
class EmfPerInferenceTest {

    public static class EmfPerInference implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sagewatch.metrics.emf.enabled", "true", "sagewatch.metrics.emf.flush-per-inference", "true");
        }
    }

    @Test
    void theInferencesMetricsAreWrittenBeforeItsResponse() {
        String id = newInferenceId();
        try (CapturedLog emf = CapturedLog.of(EmfRegistryProducer.CATEGORY)) {
            given().header("X-Amzn-SageMaker-Inference-Id", id)
                    .contentType("application/json")
                    .body("{\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":2}}")
                    .post("/endpoints/echo/invocations")
                    .then()
                    .statusCode(200);

            // no waiting: read at once, the response has just arrived
            List<JsonNode> lines = emf.messages().stream()
                    .map(EmfLines::parseValid)
                    .filter(line -> id.equals(line.path("inference_id").asText()))
                    .toList();
            JsonNode invocation = lines.stream()
                    .filter(l -> l.has("Invocations"))
                    .findFirst()
                    .orElseThrow(() ->
                            new AssertionError("no EMF line with Invocations for " + id + " in " + emf.messages()));
            assertEquals(1.0, invocation.path("Invocations").asDouble());
            assertEquals(40.0, invocation.path("InputTokens").asDouble());
            assertEquals(1, EmfLines.values(lines, "ModelLatency").size());
            assertEquals("echo", invocation.path("endpoint").asText());
            // only Sagewatch's meters reach CloudWatch: not the JVM and HTTP meters Quarkus registers
            emf.messages().stream()
                    .map(EmfLines::parseValid)
                    .flatMap(line -> java.util.stream.StreamSupport.stream(
                            line.path("_aws")
                                    .path("CloudWatchMetrics")
                                    .get(0)
                                    .path("Metrics")
                                    .spliterator(),
                            false))
                    .forEach(metric -> org.assertj.core.api.Assertions.assertThat(InferenceMeters.NAMES)
                            .contains(metric.path("Name").asText()));
            EmfLines.assertInferenceDimensions(invocation);
        }
    }
}
