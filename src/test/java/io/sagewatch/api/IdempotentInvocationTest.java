package io.sagewatch.api;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.isLambdaBuild;
import static io.sagewatch.testing.Gateway.modelCallsFor;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.sagewatch.testing.GatewayTestResource;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class IdempotentInvocationTest {

    private static RequestSpecification withKey(String key, String inferenceId, String body) {
        return given().header("Idempotency-Key", key).header("X-Amzn-SageMaker-Inference-Id", inferenceId)
                .contentType("text/plain").body(body);
    }

    @Test
    void aDuplicateGetsTheFirstAnswerAndNeverReachesTheModel() {
        String key = UUID.randomUUID().toString();
        String first = newInferenceId();
        withKey(key, first, "once").post("/endpoints/echo/invocations").then().statusCode(200)
                .body(equalTo("once")).header("Idempotent-Replayed", (String) null);
        String duplicate = newInferenceId();
        withKey(key, duplicate, "once").post("/endpoints/echo/invocations").then().statusCode(200)
                .body(equalTo("once"))
                .header("Idempotent-Replayed", "true")
                .header("X-Sagewatch-Inference-Id", first)
                .header("x-Amzn-Invoked-Production-Variant", "AllTraffic")
                .contentType(containsString("text/plain"));
        assertEquals(1, modelCallsFor(first));
        assertEquals(0, modelCallsFor(duplicate));
        // the same key on another endpoint is another key
        withKey(key, newInferenceId(), "once").post("/endpoints/slow/invocations").then().statusCode(200)
                .header("Idempotent-Replayed", (String) null);
    }

    @Test
    void aDuplicateWhileTheFirstRunsGets409() throws Exception {
        String key = UUID.randomUUID().toString();
        String first = newInferenceId();
        CompletableFuture<Response> running = CompletableFuture
                .supplyAsync(() -> withKey(key, first, "slowly").post("/endpoints/slow/invocations"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> modelCallsFor(first) == 1);
        String duplicate = newInferenceId();
        if (isLambdaBuild()) {
            // a Lambda instance takes one event at a time: the duplicate waits for the first, then gets its answer
            withKey(key, duplicate, "slowly").post("/endpoints/slow/invocations").then().statusCode(200)
                    .header("Idempotent-Replayed", "true").body(equalTo("slowly"));
        } else {
            withKey(key, duplicate, "slowly").post("/endpoints/slow/invocations").then().statusCode(409)
                    .header("x-amzn-ErrorType", "ConflictException")
                    .body("Message", containsString("in progress"));
        }
        assertEquals(200, running.get().statusCode());
        assertEquals(0, modelCallsFor(duplicate));
    }

    @Test
    void aModelErrorIsReplayedAsIs() {
        String key = UUID.randomUUID().toString();
        String first = newInferenceId();
        String body = withKey(key, first, "x").post("/endpoints/error-model/invocations").then().statusCode(424)
                .extract().body().asString();
        String duplicate = newInferenceId();
        withKey(key, duplicate, "x").post("/endpoints/error-model/invocations").then().statusCode(424)
                .header("x-amzn-ErrorType", "ModelError").header("Idempotent-Replayed", "true")
                .body(equalTo(body));
        assertEquals(0, modelCallsFor(duplicate));
    }

    @Test
    void aThrottledCallGivesItsKeyBackSoTheRetryReachesTheModel() {
        String key = UUID.randomUUID().toString();
        String first = newInferenceId();
        withKey(key, first, "x").post("/endpoints/throttled/invocations").then().statusCode(400)
                .header("x-amzn-ErrorType", "ThrottlingException");
        String retry = newInferenceId();
        withKey(key, retry, "x").post("/endpoints/throttled/invocations").then().statusCode(400)
                .header("Idempotent-Replayed", (String) null);
        assertEquals(3, modelCallsFor(retry), "the retry was invoked (with its own throttle retries)");
    }

    @Test
    void aKeyReusedForAnotherRequestOrMalformedIsRefused() {
        String key = UUID.randomUUID().toString();
        withKey(key, newInferenceId(), "first body").post("/endpoints/echo/invocations").then().statusCode(200);
        String other = newInferenceId();
        withKey(key, other, "another body").post("/endpoints/echo/invocations").then().statusCode(400)
                .header("x-amzn-ErrorType", "ValidationError")
                .body("Message", containsString("different request"));
        assertEquals(0, modelCallsFor(other));
        String tooLong = newInferenceId();
        withKey("k".repeat(257), tooLong, "x").post("/endpoints/echo/invocations").then().statusCode(400)
                .body("Message", containsString("Idempotency-Key"));
        assertEquals(0, modelCallsFor(tooLong));
        // and the idempotency item is not an inference record
        given().get("/inferences/{id}", "idempotency#echo#x").then().statusCode(404);
    }
}
