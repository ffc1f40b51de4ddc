package io.sagewatch.api;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagewatch.testing.Gateway;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.modelCalls;
import static io.sagewatch.testing.Gateway.modelCallsFor;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Bad invocations: each answered with a ValidationError, no model call, no record. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class BadInvocationTest {

    static Stream<Arguments> badInvocations() {
        return Stream.of(
                Arguments.of(
                        "endpoint not on the allowlist",
                        "other-model",
                        Map.of(),
                        "body",
                        "is not enabled on this gateway"),
                Arguments.of("underscore in the name", "bad_name", Map.of(), "body", "failed to satisfy constraint"),
                Arguments.of("leading hyphen", "-echo", Map.of(), "body", "failed to satisfy constraint"),
                Arguments.of("64-character name", "e".repeat(64), Map.of(), "body", "failed to satisfy constraint"),
                Arguments.of("missing body", "echo", Map.of(), "", "must not be null or empty"),
                Arguments.of(
                        "inference id over 64 characters",
                        "echo",
                        Map.of("X-Amzn-SageMaker-Inference-Id", "i".repeat(65)),
                        "body",
                        "X-Amzn-SageMaker-Inference-Id"),
                Arguments.of(
                        "target variant with a space",
                        "echo",
                        Map.of("X-Amzn-SageMaker-Target-Variant", "blue green"),
                        "body",
                        "X-Amzn-SageMaker-Target-Variant"),
                Arguments.of(
                        "custom attributes over 1024 characters",
                        "echo",
                        Map.of("X-Amzn-SageMaker-Custom-Attributes", "a".repeat(1025)),
                        "body",
                        "X-Amzn-SageMaker-Custom-Attributes"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInvocations")
    void refusedBeforeAnythingIsSentOrWritten(
            String why, String endpoint, Map<String, String> headers, String body, String message) {
        int callsBefore = modelCalls(endpoint);
        String marker = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", marker)
                .headers(headers)
                .contentType("text/plain")
                .body(body)
                .post("/endpoints/{name}/invocations", endpoint)
                .then()
                .statusCode(400)
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
        given().header("X-Amzn-SageMaker-Inference-Id", marker)
                .contentType("application/octet-stream")
                .body(body)
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(400)
                .header("x-amzn-ErrorType", "ValidationError")
                .body("Message", containsString("exceeds the maximum of 6291456 bytes"));
        assertEquals(0, modelCallsFor(marker));
        given().get("/inferences/{id}", marker).then().statusCode(404);
    }

    /**
     * A body over the HTTP server's own limit (quarkus.http.limits.max-body-size): declared, refused in SageMaker's
     * shape, a 413 ValidationError naming the limit, so that SDKs print why; streamed past it, the server's own empty
     * 413 with SageMaker's error headers (its body is written before the gateway could say more).
     */
    @Test
    void aBodyOverTheServersLimitGetsASageMakerShaped413() throws Exception {
        assumeFalse(Gateway.isLambdaBuild(), "API Gateway answers oversized bodies itself");
        String declared = rawPost("Content-Length: 20000000\r\n", new byte[0]);
        assertThat(declared)
                .startsWith("HTTP/1.1 413")
                .containsIgnoringCase("x-amzn-ErrorType: ValidationError")
                .contains("16777216 bytes");
        byte[] chunk = new byte[1 << 20];
        java.io.ByteArrayOutputStream chunked = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 18; i++) {
            chunked.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            chunked.write(chunk);
            chunked.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        String streamed = rawPost("Transfer-Encoding: chunked\r\n", chunked.toByteArray());
        assertThat(streamed)
                .startsWith("HTTP/1.1 413")
                .containsIgnoringCase("x-amzn-ErrorType: ValidationError")
                .containsIgnoringCase("x-amzn-RequestId: ");
    }

    /** A POST to the echo endpoint with these framing headers, written raw; the answer as text. */
    private static String rawPost(String framing, byte[] body) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            out.write(("POST /endpoints/echo/invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                            + framing + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            try {
                out.write(body);
                out.flush();
            } catch (java.io.IOException closedEarly) {
                // the server may answer and close before the whole body is sent
            }
            // the head, then as many body bytes as it declares (the server need not close the connection)
            var in = socket.getInputStream();
            StringBuilder answer = new StringBuilder();
            while (!answer.toString().contains("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return answer.toString();
                }
                answer.append((char) b);
            }
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
                    .matcher(answer);
            int declared = length.find() ? Integer.parseInt(length.group(1)) : 0;
            return answer + new String(in.readNBytes(declared), StandardCharsets.UTF_8);
        }
    }
}
