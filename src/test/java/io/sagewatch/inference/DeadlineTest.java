package io.sagewatch.inference;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.sagewatch.metrics.InferenceLog;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(DeadlineTest.OneSecondDeadline.class)
class DeadlineTest {

    public static class OneSecondDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sagewatch.sagemaker.timeout", "1s");
        }
    }

    @Test
    void aModelThatNeverAnswersGetsAModelErrorAndARecord() throws Exception {
        String id = newInferenceId();
        try (CapturedLog lines = CapturedLog.of(InferenceLog.CATEGORY)) {
            given().header("X-Amzn-SageMaker-Inference-Id", id)
                    .body("x")
                    .post("/endpoints/hung/invocations")
                    .then()
                    .statusCode(424)
                    .header("x-amzn-ErrorType", "ModelError")
                    .body("OriginalStatusCode", equalTo(504))
                    .body("Message", containsString("within 1000 ms"));
            // the gateway's reason is in the log line, for Logs Insights
            List<String> matching =
                    lines.messages().stream().filter(l -> l.contains(id)).toList();
            assertEquals(1, matching.size(), "one line per inference: " + matching);
            JsonNode line = new ObjectMapper().readTree(matching.get(0));
            assertEquals("DEADLINE", line.get("error_origin").asText());
            assertThat(line.get("error_message").asText()).contains("within 1000 ms");
        }
        JsonPath record = awaitFinalRecord(id);
        assertEquals("FAILED", record.getString("status"));
        assertEquals("ModelError", record.getString("error_type"));
        assertEquals(424, record.getInt("http_status"));
    }
}
