package io.sagewatch.records;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Configured fields never reach the table; the model still gets (and the client still sees) the payload unchanged. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(PayloadRedactorTest.RedactSecrets.class)
class PayloadRedactorTest {

    public static class RedactSecrets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sagewatch.capture.redact-pointers", "/patient/ssn,/api_key,/items/1");
        }
    }

    @Test
    void pointedValuesAreRedactedInTheCapturedPayloads() {
        String id = newInferenceId();
        String body = "{\"patient\":{\"ssn\":\"123-45-6789\",\"age\":42},\"api_key\":\"sk-secret\","
                + "\"items\":[\"a\",\"b-secret\",\"c\"],\"text\":\"hello\"}";
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("application/json")
                .body(body)
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .body(equalTo(body));
        JsonPath record = awaitFinalRecord(id);
        String input = record.getString("input.data");
        String output = record.getString("output.data");
        for (String captured : new String[] {input, output}) {
            assertThat(captured)
                    .doesNotContain("123-45-6789")
                    .doesNotContain("sk-secret")
                    .doesNotContain("b-secret")
                    .contains("[REDACTED]")
                    .contains("\"age\":42")
                    .contains("hello");
        }
        JsonPath parsed = JsonPath.from(input);
        assertEquals("[REDACTED]", parsed.getString("patient.ssn"));
        assertEquals("[REDACTED]", parsed.getString("items[1]"));
        assertEquals("c", parsed.getString("items[2]"));
    }

    @Test
    void aPayloadThatIsNotJsonIsNotCapturedAtAll() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("application/json")
                .body("{\"api_key\": \"sk-secret\", broken")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .body(equalTo("{\"api_key\": \"sk-secret\", broken"));
        JsonPath record = awaitFinalRecord(id);
        assertEquals("SUCCEEDED", record.getString("status"));
        assertNull(record.get("input"));
        assertNull(record.get("output"));
    }
}
