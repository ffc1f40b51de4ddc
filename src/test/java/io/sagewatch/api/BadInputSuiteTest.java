package io.sagewatch.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.sagewatch.testing.Gateway;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.modelCallsFor;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The bad-input table: every case is refused with its status and SageMaker's error shape (x-amzn-ErrorType, a JSON
 * Message, a request id), SageMaker is not called, and no record is written.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class BadInputSuiteTest {

    /** One bad request: what is wrong, and what the client must be told. */
    record Case(
            String method,
            String path,
            Map<String, String> headers,
            byte[] body,
            int status,
            String errorType,
            String message) {

        @Override
        public String toString() {
            return method + " " + (path.length() > 60 ? path.substring(0, 60) + "..." : path) + " " + headers.keySet();
        }
    }

    private static Case invoke(String endpoint, Map<String, String> headers, String body, String message) {
        return new Case(
                "POST",
                "/endpoints/" + endpoint + "/invocations",
                headers,
                body.getBytes(),
                400,
                "ValidationError",
                message);
    }

    private static Case header(String name, String value, String message) {
        return invoke("echo", Map.of(name, value), "body", message);
    }

    static Stream<Arguments> cases() {
        List<Case> cases = new ArrayList<>();
        String constraint = "failed to satisfy constraint";
        // endpoint names (SageMaker's pattern, 63 characters, the allowlist)
        for (String name : new String[] {
            "bad_name",
            "-echo",
            "echo-",
            "e.cho",
            "echo!",
            "ech%20o",
            "e".repeat(64),
            "%C3%A9cho",
            "echo%00",
            "ECHO1-not-allowed",
            "other-model",
            "echo--x"
        }) {
            cases.add(invoke(
                    name,
                    Map.of(),
                    "body",
                    name.startsWith("ECHO") || name.startsWith("other") || name.equals("echo--x")
                            ? "is not enabled on this gateway"
                            : constraint));
        }
        // body
        cases.add(invoke("echo", Map.of(), "", "must not be null or empty"));
        // every InvokeEndpoint header, over its length or off its pattern
        cases.add(header("X-Amzn-SageMaker-Inference-Id", "i".repeat(65), "X-Amzn-SageMaker-Inference-Id"));
        cases.add(header("X-Amzn-SageMaker-Inference-Id", "caf\u00e9", "X-Amzn-SageMaker-Inference-Id"));
        cases.add(header("X-Amzn-SageMaker-Inference-Id", "tab\there", "X-Amzn-SageMaker-Inference-Id"));
        cases.add(header("X-Amzn-SageMaker-Custom-Attributes", "a".repeat(1025), "X-Amzn-SageMaker-Custom-Attributes"));
        cases.add(header("X-Amzn-SageMaker-Target-Model", "m".repeat(1025), "X-Amzn-SageMaker-Target-Model"));
        cases.add(header("X-Amzn-SageMaker-Target-Variant", "blue green", "X-Amzn-SageMaker-Target-Variant"));
        cases.add(header("X-Amzn-SageMaker-Target-Variant", "v".repeat(64), "X-Amzn-SageMaker-Target-Variant"));
        cases.add(header("X-Amzn-SageMaker-Target-Variant", "-blue", "X-Amzn-SageMaker-Target-Variant"));
        cases.add(header("X-Amzn-SageMaker-Target-Variant", "blue_green", "X-Amzn-SageMaker-Target-Variant"));
        cases.add(header(
                "X-Amzn-SageMaker-Target-Container-Hostname",
                "host.name",
                "X-Amzn-SageMaker-Target-Container-Hostname"));
        cases.add(header(
                "X-Amzn-SageMaker-Target-Container-Hostname",
                "h".repeat(64),
                "X-Amzn-SageMaker-Target-Container-Hostname"));
        cases.add(header("X-Amzn-SageMaker-Inference-Component", "ic/1", "X-Amzn-SageMaker-Inference-Component"));
        cases.add(
                header("X-Amzn-SageMaker-Inference-Component", "c".repeat(64), "X-Amzn-SageMaker-Inference-Component"));
        cases.add(header("X-Amzn-SageMaker-Session-Id", "s".repeat(257), "X-Amzn-SageMaker-Session-Id"));
        cases.add(header("X-Amzn-SageMaker-Target-Model", "m".repeat(2000), "X-Amzn-SageMaker-Target-Model"));
        cases.add(
                header("X-Amzn-SageMaker-Enable-Explanations", "e".repeat(65), "X-Amzn-SageMaker-Enable-Explanations"));
        cases.add(header("Accept", "a/" + "b".repeat(1025), "Accept"));
        cases.add(header("Content-Type", "text/" + "p".repeat(1025), "Content-Type"));
        cases.add(header("Idempotency-Key", "k".repeat(257), "Idempotency-Key"));
        // an endpoint that takes JSON and CSV only
        cases.add(invoke("typed", Map.of(), "body", "is not accepted by endpoint typed"));
        cases.add(invoke(
                "typed", Map.of("Content-Type", "application/xml"), "<a/>", "it accepts application/json, text/csv"));
        // request limits: header count, header bytes, path length
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i < 70; i++) {
            many.put("X-Filler-" + i, "x");
        }
        cases.add(invoke("echo", many, "body", "headers, over the 64 allowed"));
        cases.add(invoke(
                "echo",
                Map.of("X-Big-1", "b".repeat(9000), "X-Big-2", "b".repeat(9000)),
                "body",
                "over the 16384 allowed"));
        cases.add(new Case(
                "POST",
                "/endpoints/" + "e".repeat(1100) + "/invocations",
                Map.of(),
                "body".getBytes(),
                400,
                "ValidationError",
                "over the 1024 allowed"));
        // wrong method and unknown routes
        for (String method : new String[] {"GET", "PUT", "DELETE", "PATCH"}) {
            cases.add(new Case(
                    method,
                    "/endpoints/echo/invocations",
                    Map.of(),
                    "body".getBytes(),
                    405,
                    "UnknownOperationException",
                    ""));
        }
        cases.add(new Case(
                "POST",
                "/endpoints/echo/invocation",
                Map.of(),
                "body".getBytes(),
                404,
                "UnknownOperationException",
                ""));
        cases.add(
                new Case("POST", "/endpoints/echo", Map.of(), "body".getBytes(), 404, "UnknownOperationException", ""));
        cases.add(new Case(
                "POST", "/endpoints//invocations", Map.of(), "body".getBytes(), 404, "UnknownOperationException", ""));
        // record routes
        cases.add(new Case(
                "GET", "/inferences/" + "i".repeat(65), Map.of(), null, 400, "ValidationError", "Inference id"));
        cases.add(new Case("GET", "/inferences/%20leading", Map.of(), null, 400, "ValidationError", "Inference id"));
        cases.add(
                new Case("GET", "/endpoints/bad_name/inferences", Map.of(), null, 400, "ValidationError", constraint));
        cases.add(new Case(
                "GET", "/endpoints/other-model/inferences", Map.of(), null, 400, "ValidationError", "is not enabled"));
        for (String query : new String[] {
            "limit=0",
            "limit=101",
            "limit=-1",
            "limit=ten",
            "limit=1e3",
            "since=yesterday",
            "until=2026-13-01T00:00:00Z",
            "since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
            "since=10000-01-01T00:00:00Z",
            "next=not-a-token",
            "next=" + "A".repeat(600),
            "next=eyJmb28iOiJiYXIifQ"
        }) {
            cases.add(
                    new Case("GET", "/endpoints/echo/inferences?" + query, Map.of(), null, 400, "ValidationError", ""));
        }
        return cases.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedInSageMakersShapeAndNothingIsCalledOrWritten(Case bad) {
        long headerBytes = bad.headers().entrySet().stream()
                .mapToLong(h -> h.getKey().length() + h.getValue().length())
                .sum();
        // API Gateway (and the Lambda build's test event server) refuse such headers before the function is called
        Assumptions.assumeFalse(
                Gateway.isLambdaBuild() && headerBytes > 8_000,
                "over API Gateway's header limit: never reaches a Lambda");
        String marker = newInferenceId();
        RequestSpecification request = given().urlEncodingEnabled(false)
                .header("X-Amzn-SageMaker-Inference-Id", marker)
                .headers(bad.headers());
        if (bad.body() != null) {
            request.contentType(bad.headers().getOrDefault("Content-Type", "text/plain"))
                    .body(bad.body());
        }
        request.request(bad.method(), bad.path())
                .then()
                .statusCode(bad.status())
                .header("x-amzn-ErrorType", bad.errorType())
                .header("x-amzn-RequestId", notNullValue())
                .contentType("application/json")
                .body("Message", containsString(bad.message()));
        assertEquals(0, modelCallsFor(marker), "SageMaker must not be called");
        given().get("/inferences/{id}", marker).then().statusCode(404);
    }

    @Test
    void anAcceptedContentTypePassesWithItsParameters() {
        given().contentType("text/csv; charset=utf-8")
                .body("1,2,3")
                .post("/endpoints/typed/invocations")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.equalTo("1,2,3"));
    }

    @Test
    void malformedJsonPassesThroughUntouched() {
        // declared JSON that is not: token extraction and capture must not break the pass-through
        String marker = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", marker)
                .contentType("application/json")
                .body("{\"inputs\": [1, 2,")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.equalTo("{\"inputs\": [1, 2,"));
        assertEquals(1, modelCallsFor(marker));
    }
}
