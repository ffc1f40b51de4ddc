package io.sagewatch.sagemaker;

import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.breakerEndpointFailing;
import static io.sagewatch.testing.Gateway.modelCalls;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(CircuitBreakersTest.ThreeFailuresOneSecond.class)
class CircuitBreakersTest {

    public static class ThreeFailuresOneSecond implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "sagewatch.sagemaker.circuit-breaker.failure-threshold",
                    "3",
                    "sagewatch.sagemaker.circuit-breaker.open-for",
                    "1s");
        }
    }

    @Test
    void repeatedServerFailuresOpenTheCircuitAProbeClosesIt() {
        breakerEndpointFailing(true);
        try {
            for (int i = 0; i < 3; i++) {
                given().body("x").post("/endpoints/breaker/invocations").then().statusCode(500);
            }
            int callsWhenOpened = modelCalls("breaker");
            // open: refused at once, in SageMaker's shape, with Retry-After; the endpoint is not called
            String refused = newInferenceId();
            given().header("X-Amzn-SageMaker-Inference-Id", refused)
                    .body("x")
                    .post("/endpoints/breaker/invocations")
                    .then()
                    .statusCode(503)
                    .header("x-amzn-ErrorType", "ServiceUnavailable")
                    .header("Retry-After", "1")
                    .body("Message", containsString("circuit open"));
            assertEquals(callsWhenOpened, modelCalls("breaker"));
            // the refused inference is still recorded
            assertEquals("ServiceUnavailable", awaitFinalRecord(refused).getString("error_type"));
            // other endpoints are not affected
            given().body("x").post("/endpoints/echo/invocations").then().statusCode(200);

            // half-open after 1 s: the probe fails, the circuit opens again
            Awaitility.await().pollDelay(java.time.Duration.ofMillis(1100)).until(() -> true);
            given().body("x").post("/endpoints/breaker/invocations").then().statusCode(500);
            given().body("x").post("/endpoints/breaker/invocations").then().statusCode(503);
            assertEquals(callsWhenOpened + 1, modelCalls("breaker"));
        } finally {
            breakerEndpointFailing(false);
        }
        // healed: the next probe succeeds and the circuit closes
        Awaitility.await().pollDelay(java.time.Duration.ofMillis(1100)).until(() -> true);
        given().body("probe").post("/endpoints/breaker/invocations").then().statusCode(200);
        for (int i = 0; i < 5; i++) {
            given().body("x").post("/endpoints/breaker/invocations").then().statusCode(200);
        }
        assertThat(modelCalls("breaker")).isGreaterThanOrEqualTo(10);
    }

    @Test
    void streamsGoThroughTheEndpointsCircuitToo() {
        breakerEndpointFailing(true);
        try {
            for (int i = 0; i < 3; i++) {
                given().body("{}")
                        .post("/endpoints/breaker/invocations-response-stream")
                        .then()
                        .statusCode(500)
                        .header("x-amzn-ErrorType", "InternalFailure");
            }
            int callsWhenOpened = modelCalls("breaker");
            given().body("{}")
                    .post("/endpoints/breaker/invocations-response-stream")
                    .then()
                    .statusCode(503)
                    .header("x-amzn-ErrorType", "ServiceUnavailable")
                    .header("Retry-After", "1")
                    .body("Message", containsString("circuit open"));
            // one circuit per endpoint, whichever operation opened it
            given().body("x").post("/endpoints/breaker/invocations").then().statusCode(503);
            assertEquals(callsWhenOpened, modelCalls("breaker"));
        } finally {
            breakerEndpointFailing(false);
        }
        Awaitility.await().pollDelay(java.time.Duration.ofMillis(1100)).until(() -> true);
        given().body("probe").post("/endpoints/breaker/invocations").then().statusCode(200);
    }
}
