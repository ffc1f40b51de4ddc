package io.sagewatch.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.modelCalls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Overload beyond the configured bounds is refused at once, in SageMaker's shape, with Retry-After; never queued. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(AdmissionControlTest.SmallLimits.class)
class AdmissionControlTest {

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "sagewatch.limits.max-concurrent",
                    "6",
                    "sagewatch.limits.max-concurrent-per-endpoint",
                    "4",
                    "sagewatch.endpoint.hung.max-concurrent",
                    "2",
                    "sagewatch.endpoint.stream-held.max-concurrent",
                    "1",
                    "sagewatch.endpoint.hung.timeout",
                    "2s",
                    "sagewatch.limits.retry-after",
                    "3s",
                    "sagewatch.max-payload-bytes",
                    "8000",
                    "sagewatch.limits.max-in-flight-bytes",
                    "10000");
        }
    }

    @Test
    @DisabledIfSystemProperty(
            named = "sagewatch-test.build",
            matches = "lambda",
            disabledReason = "one event at a " + "time per Lambda instance")
    void requestBytesInFlightAreBoundedToo() throws Exception {
        // one hung request holds 6000 bytes of the 10000 budget: a 5000-byte request is refused at once
        int hungBefore = modelCalls("hung");
        CompletableFuture<Response> held =
                CompletableFuture.supplyAsync(() -> given().body(new byte[6000]).post("/endpoints/hung/invocations"));
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(5))
                .until(() -> modelCalls("hung") >= hungBefore + 1);
        given().body(new byte[5000])
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(503)
                .header("x-amzn-ErrorType", "ServiceUnavailable")
                .header("Retry-After", "3")
                .body("Message", org.hamcrest.Matchers.containsString("bytes of requests in flight"));
        // the OpenAI front takes the gateway's bytes before it reads the body too, and refuses in OpenAI's shape
        String chat =
                "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(4900) + "\"}]}";
        given().contentType("application/json")
                .body(chat)
                .post("/v1/chat/completions")
                .then()
                .statusCode(503)
                .header("Retry-After", "3")
                .body("error.code", org.hamcrest.Matchers.equalTo("service_unavailable"))
                .body("error.message", org.hamcrest.Matchers.containsString("bytes of requests in flight"));
        given().body(new byte[3000]).post("/endpoints/echo/invocations").then().statusCode(200);
        assertEquals(424, held.get(10, TimeUnit.SECONDS).statusCode());
        given().contentType("application/json")
                .body(chat)
                .post("/v1/chat/completions")
                .then()
                .statusCode(200);
        given().body(new byte[5000]).post("/endpoints/echo/invocations").then().statusCode(200);
    }

    @Test
    @DisabledIfSystemProperty(
            named = "sagewatch-test.build",
            matches = "lambda",
            disabledReason = "a Lambda "
                    + "instance takes one event at a time: nothing is ever in flight beside it (Lambda's own concurrency "
                    + "limits, answered 429 by API Gateway, do the shedding there)")
    void aBusyEndpointAnswers429AndABusyGateway503AtOnce() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            // "hung" never answers (its deadline here: 2 s), so its slots stay taken while we probe the bounds
            int hungBefore = modelCalls("hung");
            int slowBefore = modelCalls("slow");
            List<CompletableFuture<Response>> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                held.add(CompletableFuture.supplyAsync(
                        () -> given().body("x").post("/endpoints/hung/invocations"), clients));
            }
            List<CompletableFuture<Response>> slow = new ArrayList<>();
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> modelCalls("hung") >= hungBefore + 2);
            int hungCalls = modelCalls("hung");

            // the endpoint's own bound (2): refused with 429 ThrottlingException and Retry-After, no model call
            long start = System.nanoTime();
            given().body("x")
                    .post("/endpoints/hung/invocations")
                    .then()
                    .statusCode(429)
                    .header("x-amzn-ErrorType", "ThrottlingException")
                    .header("Retry-After", "3");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
            assertEquals(hungCalls, modelCalls("hung"));

            // the global bound (6): 2 hung + 4 slow in flight, the next one anywhere gets 503 ServiceUnavailable
            for (int i = 0; i < 4; i++) {
                slow.add(CompletableFuture.supplyAsync(
                        () -> given().body("x").post("/endpoints/slow/invocations"), clients));
            }
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> modelCalls("slow") >= slowBefore + 4);
            given().body("x")
                    .post("/endpoints/echo/invocations")
                    .then()
                    .statusCode(503)
                    .header("x-amzn-ErrorType", "ServiceUnavailable")
                    .header("Retry-After", "3");

            // the held requests end normally (deadline, echo), and their slots come back
            for (CompletableFuture<Response> response : held) {
                assertEquals(424, response.get(10, TimeUnit.SECONDS).statusCode());
            }
            for (CompletableFuture<Response> response : slow) {
                assertEquals(200, response.get(10, TimeUnit.SECONDS).statusCode());
            }
            given().body("x").post("/endpoints/echo/invocations").then().statusCode(200);
            given().get("/q/metrics")
                    .then()
                    .statusCode(200)
                    .body(org.hamcrest.Matchers.containsString("InvocationsShed_total{endpoint=\"hung\""));
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    @DisabledIfSystemProperty(
            named = "sagewatch-test.build",
            matches = "lambda",
            disabledReason = "a Lambda " + "instance takes one event at a time")
    void anOpenStreamHoldsItsSlotUntilItEnds() throws Exception {
        String url = "http://127.0.0.1:" + io.restassured.RestAssured.port
                + "/endpoints/stream-held/invocations-response-stream";
        String first = io.sagewatch.testing.Gateway.newInferenceId();
        try (var stream = io.sagewatch.testing.EventStreamReader.open(url, first, "{\"parts\":2}")) {
            assertEquals(200, stream.response().statusCode());
            stream.next(java.time.Duration.ofSeconds(10));
            // the model holds the stream open: the endpoint's one slot is taken
            given().body("{}")
                    .post("/endpoints/stream-held/invocations-response-stream")
                    .then()
                    .statusCode(429)
                    .header("x-amzn-ErrorType", "ThrottlingException");
            io.sagewatch.testing.Gateway.releaseStream(first);
            stream.next(java.time.Duration.ofSeconds(10));
            org.junit.jupiter.api.Assertions.assertNull(stream.next(java.time.Duration.ofSeconds(10)));
        }
        // the stream ended: its slot is back
        String second = io.sagewatch.testing.Gateway.newInferenceId();
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(5))
                .untilAsserted(() -> given().header("X-Amzn-SageMaker-Inference-Id", second)
                        .body("{\"parts\":1}")
                        .post("/endpoints/stream-held/invocations-response-stream")
                        .then()
                        .statusCode(200));
    }
}
