package io.sagewatch.idempotency;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.sagewatch.testing.Gateway;
import io.sagewatch.testing.GatewayTestResource;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.isLambdaBuild;
import static io.sagewatch.testing.Gateway.modelCallsFor;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class IdempotencyGuardTest {

    private static RequestSpecification withKey(String key, String inferenceId, String body) {
        return given().header("Idempotency-Key", key)
                .header("X-Amzn-SageMaker-Inference-Id", inferenceId)
                .contentType("text/plain")
                .body(body);
    }

    @Test
    void aDuplicateGetsTheFirstAnswerAndNeverReachesTheModel() {
        String key = UUID.randomUUID().toString();
        String first = newInferenceId();
        withKey(key, first, "once")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .body(equalTo("once"))
                .header("Idempotent-Replayed", (String) null);
        String duplicate = newInferenceId();
        withKey(key, duplicate, "once")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .body(equalTo("once"))
                .header("Idempotent-Replayed", "true")
                .header("X-Sagewatch-Inference-Id", first)
                .header("x-Amzn-Invoked-Production-Variant", "AllTraffic")
                .contentType(containsString("text/plain"));
        assertEquals(1, modelCallsFor(first));
        assertEquals(0, modelCallsFor(duplicate));
        // the same key on another endpoint is another key
        withKey(key, newInferenceId(), "once")
                .post("/endpoints/slow/invocations")
                .then()
                .statusCode(200)
                .header("Idempotent-Replayed", (String) null);
    }

    @Test
    void aDuplicateWhileTheFirstRunsGets409() throws Exception {
        String key = UUID.randomUUID().toString();
        String first = newInferenceId();
        CompletableFuture<Response> running = CompletableFuture.supplyAsync(
                () -> withKey(key, first, "slowly").post("/endpoints/slow/invocations"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> modelCallsFor(first) == 1);
        String duplicate = newInferenceId();
        if (isLambdaBuild()) {
            // a Lambda instance takes one event at a time: the duplicate waits for the first, then gets its answer
            withKey(key, duplicate, "slowly")
                    .post("/endpoints/slow/invocations")
                    .then()
                    .statusCode(200)
                    .header("Idempotent-Replayed", "true")
                    .body(equalTo("slowly"));
        } else {
            withKey(key, duplicate, "slowly")
                    .post("/endpoints/slow/invocations")
                    .then()
                    .statusCode(409)
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
        String body = withKey(key, first, "x")
                .post("/endpoints/error-model/invocations")
                .then()
                .statusCode(424)
                .extract()
                .body()
                .asString();
        String duplicate = newInferenceId();
        withKey(key, duplicate, "x")
                .post("/endpoints/error-model/invocations")
                .then()
                .statusCode(424)
                .header("x-amzn-ErrorType", "ModelError")
                .header("Idempotent-Replayed", "true")
                .body(equalTo(body));
        assertEquals(0, modelCallsFor(duplicate));
    }

    @Test
    void aThrottledCallGivesItsKeyBackSoTheRetryReachesTheModel() {
        String key = UUID.randomUUID().toString();
        String first = newInferenceId();
        withKey(key, first, "x")
                .post("/endpoints/throttled/invocations")
                .then()
                .statusCode(400)
                .header("x-amzn-ErrorType", "ThrottlingException");
        String retry = newInferenceId();
        withKey(key, retry, "x")
                .post("/endpoints/throttled/invocations")
                .then()
                .statusCode(400)
                .header("Idempotent-Replayed", (String) null);
        assertEquals(3, modelCallsFor(retry), "the retry was invoked (with its own throttle retries)");
    }

    @Test
    void aKeyReusedForAnotherRequestOrMalformedIsRefused() {
        String key = UUID.randomUUID().toString();
        withKey(key, newInferenceId(), "first body")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        String other = newInferenceId();
        withKey(key, other, "another body")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(400)
                .header("x-amzn-ErrorType", "ValidationError")
                .body("Message", containsString("different request"));
        assertEquals(0, modelCallsFor(other));
        String tooLong = newInferenceId();
        withKey("k".repeat(257), tooLong, "x")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(400)
                .body("Message", containsString("Idempotency-Key"));
        assertEquals(0, modelCallsFor(tooLong));
        // and the idempotency item is not an inference record
        given().get("/inferences/{id}", "idempotency#echo#x").then().statusCode(404);
    }

    /** A claim left in flight by a gateway that died mid-request: taken over once its in-flight expiry has passed. */
    @Test
    void aClaimWhoseOwnerDiedIsTakenOverAfterItsInFlightExpiry() throws Exception {
        String key = UUID.randomUUID().toString();
        try (DynamoDbClient table = directTable()) {
            table.putItem(b -> b.tableName("sagewatch-inferences")
                    .item(abandonedClaim("echo", key, "again", Instant.now().minusSeconds(1))));
            String retry = newInferenceId();
            withKey(key, retry, "again")
                    .post("/endpoints/echo/invocations")
                    .then()
                    .statusCode(200)
                    .body(equalTo("again"))
                    .header("Idempotent-Replayed", (String) null);
            assertEquals(1, modelCallsFor(retry));

            // one still within its in-flight time is another request's, running
            String other = UUID.randomUUID().toString();
            table.putItem(b -> b.tableName("sagewatch-inferences")
                    .item(abandonedClaim("echo", other, "again", Instant.now().plusSeconds(60))));
            String waiting = newInferenceId();
            withKey(other, waiting, "again")
                    .post("/endpoints/echo/invocations")
                    .then()
                    .statusCode(409);
            assertEquals(0, modelCallsFor(waiting));
        }
    }

    @Test
    @DisabledIfSystemProperty(
            named = "sagewatch-test.build",
            matches = "lambda",
            disabledReason = "API Gateway holds the connection on Lambda: there is no client disconnect to see")
    void aClientThatLeavesGivesItsKeyBack() throws Exception {
        String key = UUID.randomUUID().toString();
        String id = newInferenceId();
        try (DynamoDbClient table = directTable()) {
            try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /endpoints/hung/invocations HTTP/1.1\r\nHost: localhost\r\nIdempotency-Key: " + key
                                + "\r\nX-Amzn-SageMaker-Inference-Id: " + id + "\r\nContent-Type: text/plain\r\n"
                                + "Content-Length: 5\r\n\r\nhello")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> modelCallsFor(id) == 1);
                assertThat(table.getItem(b -> b.tableName("sagewatch-inferences")
                                        .consistentRead(true)
                                        .key(claimKey("hung", key)))
                                .item())
                        .containsKey("state");
            }
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> table.getItem(b -> b.tableName("sagewatch-inferences")
                                    .consistentRead(true)
                                    .key(claimKey("hung", key)))
                            .item()
                            .isEmpty());
        }
    }

    private static DynamoDbClient directTable() {
        return DynamoDbClient.builder()
                .endpointOverride(URI.create(Gateway.setting(GatewayTestResource.DYNAMODB_DIRECT)))
                .region(Region.US_EAST_1)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("sagewatch", "sagewatch")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** The item IdempotencyStore writes for a claim, as a gateway that died would have left it. */
    private static Map<String, AttributeValue> abandonedClaim(
            String endpoint, String key, String body, Instant inFlightUntil) {
        Map<String, AttributeValue> item = new HashMap<>(claimKey(endpoint, key));
        item.put("state", AttributeValue.fromS("IN_FLIGHT"));
        item.put("request_sha256", AttributeValue.fromS(sha256(body)));
        item.put("owner_request_id", AttributeValue.fromS("died-" + UUID.randomUUID()));
        item.put("owner_inference_id", AttributeValue.fromS("died"));
        item.put(
                "expires_at",
                AttributeValue.fromN(
                        Long.toString(Instant.now().plusSeconds(3600).getEpochSecond())));
        item.put("in_flight_until", AttributeValue.fromN(Long.toString(inFlightUntil.toEpochMilli())));
        return item;
    }

    private static Map<String, AttributeValue> claimKey(String endpoint, String key) {
        return Map.of(
                "inference_id",
                AttributeValue.fromS("idempotency#" + endpoint + "#" + sha256(key)),
                "request_id",
                AttributeValue.fromS("idempotency"));
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
