package io.sagewatch.api;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.modelCalls;
import static io.sagewatch.testing.Gateway.modelCallsFor;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagewatch.testing.GatewayTestResource;

/** Bad invocations: each answered with a ValidationError, no model call, no record. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class BadInvocationTest {

    static Stream<Arguments> badInvocations() {
        return Stream.of(
                Arguments.of("endpoint not on the allowlist", "other-model", Map.of(), "body",
                        "is not enabled on this gateway"),
                Arguments.of("underscore in the name", "bad_name", Map.of(), "body", "failed to satisfy constraint"),
                Arguments.of("leading hyphen", "-echo", Map.of(), "body", "failed to satisfy constraint"),
                Arguments.of("64-character name", "e".repeat(64), Map.of(), "body", "failed to satisfy constraint"),
                Arguments.of("missing body", "echo", Map.of(), "", "must not be null or empty"),
                Arguments.of("inference id over 64 characters", "echo",
                        Map.of("X-Amzn-SageMaker-Inference-Id", "i".repeat(65)), "body", "X-Amzn-SageMaker-Inference-Id"),
                Arguments.of("target variant with a space", "echo",
                        Map.of("X-Amzn-SageMaker-Target-Variant", "blue green"), "body",
                        "X-Amzn-SageMaker-Target-Variant"),
                Arguments.of("custom attributes over 1024 characters", "echo",
                        Map.of("X-Amzn-SageMaker-Custom-Attributes", "a".repeat(1025)), "body",
                        "X-Amzn-SageMaker-Custom-Attributes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInvocations")
    void refusedBeforeAnythingIsSentOrWritten(String why, String endpoint, Map<String, String> headers, String body,
            String message) {
        int callsBefore = modelCalls(endpoint);
        String marker = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", marker).headers(headers).contentType("text/plain").body(body)
                .post("/endpoints/{name}/invocations", endpoint)
                .then().statusCode(400)
                .contentType("application/json")
                .header("x-amzn-ErrorType", "ValidationError")
                .body("Message", containsString(message));
        assertEquals(callsBefore, modelCalls(endpoint), "SageMaker must not be called");
        assertEquals(0, modelCallsFor(marker));
        given().get("/inferences/{id}", marker).then().statusCode(404);
    }

    @Test
    void oversizedBodyIsRefusedWithAClearError() {
        String marker = newInferenceId();
        byte[] body = new byte[6 * 1024 * 1024 + 1];
        given().header("X-Amzn-SageMaker-Inference-Id", marker).contentType("application/octet-stream").body(body)
                .post("/endpoints/echo/invocations")
                .then().statusCode(400)
                .header("x-amzn-ErrorType", "ValidationError")
                .body("Message", containsString("exceeds the maximum of 6291456 bytes"));
        assertEquals(0, modelCallsFor(marker));
        given().get("/inferences/{id}", marker).then().statusCode(404);
    }
}
