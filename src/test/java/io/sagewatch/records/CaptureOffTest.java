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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** sagewatch.capture.sample-percent=0 (the default): records hold sizes, never payloads. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(CaptureOffTest.NoCapture.class)
class CaptureOffTest {

    public static class NoCapture implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sagewatch.capture.sample-percent", "0");
        }
    }

    @Test
    void recordsKeepNoPayload() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("text/plain")
                .body("secret")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        JsonPath record = awaitFinalRecord(id);
        assertEquals(6, record.getInt("request_bytes"));
        assertNull(record.get("input"));
        assertNull(record.get("output"));
    }
}
