package io.sagewatch.datacapture;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sagewatch.json.Json;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redaction applies to Data Capture as to the records: the configured fields are "[REDACTED]" in the files, and a
 * payload that cannot be parsed (so cannot be redacted) is never written, only counted.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@WithTestResource(CaptureBucket.class)
@TestProfile(DataCaptureRedactionTest.Redacted.class)
class DataCaptureRedactionTest {

    public static class Redacted implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "sagewatch.data-capture.flush-interval", "1s",
                    "sagewatch.capture.redact-pointers", "/card,/customer/ssn");
        }
    }

    @Test
    void redactedFieldsNeverReachTheBucket() throws Exception {
        String run = Long.toString(System.nanoTime(), 36);
        given().contentType("application/json")
                .header("X-Amzn-SageMaker-Inference-Id", run + "-json")
                .body("{\"card\": \"4111111111111111\", \"customer\": {\"ssn\": \"078-05-1120\", \"age\": 41}}")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        given().contentType("text/csv")
                .header("X-Amzn-SageMaker-Inference-Id", run + "-csv")
                .body("4111111111111111,41")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        JsonNode[] line = new JsonNode[1];
        Awaitility.await()
                .atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    for (List<JsonNode> file : CaptureBucket.files().values()) {
                        for (JsonNode l : file) {
                            if (l.at("/eventMetadata/inferenceId").asText().equals(run + "-json")) {
                                line[0] = l;
                            }
                        }
                    }
                    return line[0] != null;
                });
        for (String side : List.of("endpointInput", "endpointOutput")) {
            JsonNode data = Json.MAPPER.readTree(
                    line[0].at("/captureData/" + side + "/data").asText());
            assertThat(data.path("card").asText()).isEqualTo("[REDACTED]");
            assertThat(data.at("/customer/ssn").asText()).isEqualTo("[REDACTED]");
            assertThat(data.at("/customer/age").asInt()).isEqualTo(41);
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> given().get("/q/metrics")
                        .then()
                        .extract()
                        .asString()
                        .contains("DataCaptureDropped_total{endpoint=\"echo\",reason=\"unredactable\""));
        assertThat(CaptureBucket.files().toString())
                .doesNotContain("4111111111111111")
                .doesNotContain(run + "-csv");
    }
}
