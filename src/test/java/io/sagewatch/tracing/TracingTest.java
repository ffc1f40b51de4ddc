package io.sagewatch.tracing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.Gateway;
import io.sagewatch.testing.GatewayTestResource;
import io.sagewatch.testing.OtlpReceiver;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.modelHeadersFor;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Traces as a collector receives them (OTLP/HTTP, decoded from protobuf): the request's SERVER span with the model
 * call's CLIENT span under it, in the GenAI conventions' terms; streams, errors, retries and replays; the trace carried
 * in from W3C and X-Ray headers and out to SageMaker; its id in the answer, the record and the log line.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@WithTestResource(OtlpReceiver.class)
@TestProfile(TracingTest.TracingOn.class)
class TracingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.otel.sdk.disabled", "false",
                    "sagewatch.tracing.custom-attributes", "true",
                    "sagewatch.tracing.log-spans", "true",
                    // one request in flight at a time, held at most 2 s: the next one is refused at the door
                    "sagewatch.endpoint.hung.max-concurrent", "1",
                    "sagewatch.endpoint.hung.timeout", "2s");
        }
    }

    /** The trace id and the gateway's span id an answer names in its {@code traceresponse} header. */
    private record Named(String traceId, String spanId) {
        static Named by(Response response) {
            String header = response.header("traceresponse");
            assertThat(header).as("traceresponse").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            String[] parts = header.split("-");
            return new Named(parts[1], parts[2]);
        }
    }

    @Test
    void aCallIsTheGatewaysServerSpanWithTheModelCallAsItsClientChild() {
        String id = newInferenceId();
        Response response = given().header("X-Amzn-SageMaker-Inference-Id", id)
                .header("X-Amzn-SageMaker-Custom-Attributes", "mine=1")
                .body("{\"x\":1}")
                .post("/endpoints/echo/invocations");
        response.then().statusCode(200);
        Named named = Named.by(response);
        assertThat(response.header("X-Amzn-Trace-Id"))
                .isEqualTo("Root=1-" + named.traceId.substring(0, 8) + "-" + named.traceId.substring(8) + ";Parent="
                        + named.spanId + ";Sampled=1");
        // X-Ray's ids begin with the epoch second the trace began
        long began = Long.parseLong(named.traceId.substring(0, 8), 16);
        assertThat(began).isBetween(System.currentTimeMillis() / 1000 - 60, System.currentTimeMillis() / 1000 + 1);

        List<JsonNode> trace = spans(named.traceId, 2);
        JsonNode server = one(trace, s -> s.get("kind").asText().equals("SPAN_KIND_SERVER"));
        assertThat(server.get("spanId").asText()).isEqualTo(named.spanId);
        assertThat(server.get("parentSpanId").asText()).isEmpty();
        assertThat(server.get("service").asText()).isEqualTo("sagewatch");
        assertThat(attribute(server, "http.route")).isEqualTo("/endpoints/{EndpointName}/invocations");
        assertThat(attribute(server, "http.response.status_code")).isEqualTo("200");
        assertThat(attribute(server, "aws.sagemaker.endpoint_name")).isEqualTo("echo");
        assertThat(attribute(server, "sagewatch.inference_id")).isEqualTo(id);

        JsonNode call = one(trace, s -> s.get("kind").asText().equals("SPAN_KIND_CLIENT"));
        assertThat(call.get("parentSpanId").asText()).isEqualTo(named.spanId);
        assertThat(call.get("name").asText()).isEqualTo("invoke_endpoint echo");
        assertThat(call.get("scope").asText()).isEqualTo("io.sagewatch");
        assertThat(call.get("status").asText()).isEqualTo("STATUS_CODE_UNSET");
        assertThat(attribute(call, "gen_ai.operation.name")).isEqualTo("invoke_endpoint");
        assertThat(attribute(call, "gen_ai.provider.name")).isEqualTo("aws.sagemaker");
        assertThat(attribute(call, "gen_ai.request.model")).isEqualTo("echo");
        assertThat(attribute(call, "aws.sagemaker.endpoint_name")).isEqualTo("echo");
        assertThat(call.get("startNanos").asLong())
                .isGreaterThanOrEqualTo(server.get("startNanos").asLong());
        assertThat(call.get("endNanos").asLong())
                .isLessThanOrEqualTo(server.get("endNanos").asLong());

        // SageMaker heard of the model call's span in both formats, and the container through the custom attributes
        String traceParent = "00-" + named.traceId + "-" + call.get("spanId").asText() + "-01";
        JsonPath upstream = modelHeadersFor(id);
        assertThat(upstream.getString("traceparent")).isEqualTo(traceParent);
        assertThat(upstream.getString("'x-amzn-trace-id'"))
                .startsWith("Root=1-" + named.traceId.substring(0, 8) + "-" + named.traceId.substring(8) + ";Parent="
                        + call.get("spanId").asText() + ";Sampled=1");
        assertThat(upstream.getString("'x-amzn-sagemaker-custom-attributes'"))
                .isEqualTo("mine=1;traceparent=" + traceParent);

        // the record and the log line lead to the trace; the record's batch write links back to the request
        JsonPath record = awaitFinalRecord(id);
        assertThat(record.getString("trace_id")).isEqualTo(named.traceId);
        assertThat(record.getString("span_id")).isEqualTo(named.spanId);
        JsonNode write =
                awaitSpan(s -> s.get("name").asText().startsWith("DynamoDB.BatchWriteItem ") && linksTo(s, named));
        assertThat(write.get("kind").asText()).isEqualTo("SPAN_KIND_CLIENT");
        assertThat(write.get("traceId").asText()).isNotEqualTo(named.traceId);
        assertThat(attribute(write, "db.system.name")).isEqualTo("aws.dynamodb");
    }

    @Test
    void theLogLineNamesTheTrace() {
        String id = newInferenceId();
        try (CapturedLog log = CapturedLog.of("sagewatch.inference")) {
            Response response = given().header("X-Amzn-SageMaker-Inference-Id", id)
                    .body("{}")
                    .post("/endpoints/echo/invocations");
            Named named = Named.by(response);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> log.messages().stream().anyMatch(line -> line.contains(id)));
            JsonNode line = log.messages().stream()
                    .filter(m -> m.contains(id))
                    .map(TracingTest::parse)
                    .findFirst()
                    .orElseThrow();
            assertThat(line.get("trace_id").asText()).isEqualTo(named.traceId);
            assertThat(line.get("span_id").asText()).isEqualTo(named.spanId);
        }
    }

    @Test
    void aW3cTraceparentIsContinued() {
        String traceId = randomHex(32);
        String parent = randomHex(16);
        Response response = given().header("traceparent", "00-" + traceId + "-" + parent + "-01")
                .header("baggage", "tenant=blue")
                .body("{}")
                .post("/endpoints/echo/invocations");
        response.then().statusCode(200);
        Named named = Named.by(response);
        assertThat(named.traceId).isEqualTo(traceId);
        JsonNode server = one(spans(traceId, 2), s -> s.get("kind").asText().equals("SPAN_KIND_SERVER"));
        assertThat(server.get("parentSpanId").asText()).isEqualTo(parent);
    }

    @Test
    void anXrayTraceHeaderIsContinuedAndCarriedOn() {
        String root = Long.toHexString(System.currentTimeMillis() / 1000) + randomHex(24);
        String parent = randomHex(16);
        String id = newInferenceId();
        Response response = given().header(
                        "X-Amzn-Trace-Id",
                        "Root=1-" + root.substring(0, 8) + "-" + root.substring(8) + ";Parent=" + parent + ";Sampled=1")
                .header("X-Amzn-SageMaker-Inference-Id", id)
                .body("{}")
                .post("/endpoints/echo/invocations");
        response.then().statusCode(200);
        assertThat(Named.by(response).traceId).isEqualTo(root);
        List<JsonNode> trace = spans(root, 2);
        JsonNode server = one(trace, s -> s.get("kind").asText().equals("SPAN_KIND_SERVER"));
        assertThat(server.get("parentSpanId").asText()).isEqualTo(parent);
        JsonNode call = one(trace, s -> s.get("kind").asText().equals("SPAN_KIND_CLIENT"));
        assertThat(modelHeadersFor(id).getString("'x-amzn-trace-id'"))
                .startsWith("Root=1-" + root.substring(0, 8) + "-" + root.substring(8) + ";Parent="
                        + call.get("spanId").asText());
        // no custom attributes of the caller's: the trace's alone
        assertThat(modelHeadersFor(id).getString("'x-amzn-sagemaker-custom-attributes'"))
                .isEqualTo("traceparent=00-" + root + "-" + call.get("spanId").asText() + "-01");
    }

    /**
     * Lambda hands the function its invocation's trace (active tracing) as {@code com.amazonaws.xray.traceHeader}: a
     * request with no trace header of its own (HTTP APIs send none) joins it. Here in-process; LambdaFunctionZipIT
     * checks it against the native function and a runtime API that sends the header.
     */
    @Test
    @DisabledIfSystemProperty(
            named = "sagewatch-test.build",
            matches = "lambda",
            disabledReason = "Quarkus's mock event server overwrites the property with a random, invalid trace header")
    @DisabledIfSystemProperty(
            named = "sagewatch-test.artifact",
            matches = "native",
            disabledReason = "a system property of the tests' JVM does not reach the executable")
    void aRequestWithoutATraceHeaderJoinsLambdasTraceOfTheInvocation() {
        String root = Long.toHexString(System.currentTimeMillis() / 1000) + randomHex(24);
        String parent = randomHex(16);
        Response response;
        System.setProperty(
                "com.amazonaws.xray.traceHeader",
                "Root=1-" + root.substring(0, 8) + "-" + root.substring(8) + ";Parent=" + parent + ";Sampled=1");
        try {
            response = given().body("{}").post("/endpoints/echo/invocations");
        } finally {
            System.clearProperty("com.amazonaws.xray.traceHeader");
        }
        response.then().statusCode(200);
        assertThat(Named.by(response).traceId).isEqualTo(root);
        JsonNode server = one(spans(root, 2), s -> s.get("kind").asText().equals("SPAN_KIND_SERVER"));
        assertThat(server.get("parentSpanId").asText()).isEqualTo(parent);
    }

    @Test
    @DisabledIfSystemProperty(
            named = "sagewatch-test.build",
            matches = "lambda",
            disabledReason = "a Lambda instance takes one event at a time: nothing is in flight beside it")
    void aRefusalAtTheDoorIsAnEventOfTheRequestsSpan() throws Exception {
        int before = Gateway.modelCalls("hung");
        ExecutorService client = Executors.newSingleThreadExecutor();
        try {
            Future<Response> held = client.submit(() -> given().body("{}").post("/endpoints/hung/invocations"));
            await().atMost(Duration.ofSeconds(5)).until(() -> Gateway.modelCalls("hung") > before);
            Response refused = given().body("{}").post("/endpoints/hung/invocations");
            refused.then().statusCode(429);
            JsonNode server = one(
                    spans(Named.by(refused).traceId, 1),
                    s -> s.get("kind").asText().equals("SPAN_KIND_SERVER"));
            List<JsonNode> events = events(server, "admission.refused");
            assertThat(events).hasSize(1);
            assertThat(events.get(0).get("attributes").get("error.type").asText())
                    .isEqualTo("ThrottlingException");
            assertThat(attribute(server, "http.response.status_code")).isEqualTo("429");
            // the held one ends at its 2 s deadline, as a ModelError
            held.get(10, TimeUnit.SECONDS).then().statusCode(424);
        } finally {
            client.shutdownNow();
        }
    }

    @Test
    void aModelErrorMarksTheModelCallsSpan() {
        Response response = given().body("{}").post("/endpoints/error-model/invocations");
        response.then().statusCode(424);
        Named named = Named.by(response);
        List<JsonNode> trace = spans(named.traceId, 2);
        JsonNode call = one(trace, s -> s.get("kind").asText().equals("SPAN_KIND_CLIENT"));
        assertThat(call.get("status").asText()).isEqualTo("STATUS_CODE_ERROR");
        assertThat(attribute(call, "error.type")).isEqualTo("ModelError");
        JsonNode server = one(trace, s -> s.get("kind").asText().equals("SPAN_KIND_SERVER"));
        assertThat(attribute(server, "http.response.status_code")).isEqualTo("424");
    }

    @Test
    void aRetryIsAnEventOfTheModelCall() {
        String id = newInferenceId();
        Response response = given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("{}")
                .post("/endpoints/throttled-once/invocations");
        response.then().statusCode(200);
        JsonNode call = one(
                spans(Named.by(response).traceId, 2),
                s -> s.get("kind").asText().equals("SPAN_KIND_CLIENT"));
        assertThat(call.get("status").asText()).isEqualTo("STATUS_CODE_UNSET");
        assertThat(attribute(call, "http.request.resend_count")).isEqualTo("1");
        List<JsonNode> retries = events(call, "retry");
        assertThat(retries).hasSize(1);
        assertThat(retries.get(0).get("attributes").get("sagewatch.attempt").asText())
                .isEqualTo("1");
        assertThat(retries.get(0).get("attributes").get("error.type").asText()).isEqualTo("ThrottlingException");
        assertThat(retries.get(0)
                        .get("attributes")
                        .get("http.response.status_code")
                        .asText())
                .isEqualTo("400");
    }

    @Test
    void aStreamsModelCallEndsAtItsLastPartWithItsFirstTokenAsAnEvent() {
        Response response =
                given().body("{\"parts\":3,\"pace_ms\":20}").post("/endpoints/stream-tgi/invocations-response-stream");
        response.then().statusCode(200);
        List<JsonNode> trace = spans(Named.by(response).traceId, 2);
        JsonNode call = one(trace, s -> s.get("kind").asText().equals("SPAN_KIND_CLIENT"));
        assertThat(attribute(call, "sagewatch.stream")).isEqualTo("true");
        assertThat(attribute(call, "gen_ai.response.finish_reasons")).isEqualTo("length");
        assertThat(attribute(call, "gen_ai.usage.output_tokens")).isEqualTo("3");
        List<JsonNode> first = events(call, "first_token");
        assertThat(first).hasSize(1);
        long firstAt = first.get(0).get("timeNanos").asLong();
        assertThat(firstAt)
                .isBetween(call.get("startNanos").asLong(), call.get("endNanos").asLong());
        // the model sent its three parts 20 ms apart: a span that ended with its head would be shorter
        assertThat(call.get("endNanos").asLong() - call.get("startNanos").asLong())
                .isGreaterThanOrEqualTo(Duration.ofMillis(40).toNanos());
    }

    @Test
    void anOpenAiChatIsAChatSpanWithItsUsage() {
        Response response = given().contentType("application/json")
                .body("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}")
                .post("/v1/chat/completions");
        response.then().statusCode(200);
        List<JsonNode> trace = spans(Named.by(response).traceId, 2);
        JsonNode call = one(trace, s -> s.get("kind").asText().equals("SPAN_KIND_CLIENT"));
        assertThat(call.get("name").asText()).isEqualTo("chat chat");
        assertThat(attribute(call, "gen_ai.operation.name")).isEqualTo("chat");
        assertThat(attribute(call, "gen_ai.request.model")).isEqualTo("chat");
        assertThat(attribute(call, "aws.sagemaker.endpoint_name")).isEqualTo("llm-messages");
        assertThat(Long.parseLong(attribute(call, "gen_ai.usage.input_tokens"))).isPositive();
        assertThat(Long.parseLong(attribute(call, "gen_ai.usage.output_tokens")))
                .isPositive();
        assertThat(attribute(call, "gen_ai.response.finish_reasons")).isNotEmpty();
        JsonNode server = one(trace, s -> s.get("kind").asText().equals("SPAN_KIND_SERVER"));
        assertThat(attribute(server, "sagewatch.front")).isEqualTo("openai");
    }

    @Test
    void anIdempotentReplayIsAnEventWithNoModelCall() {
        String key = "trace-replay-" + UUID.randomUUID();
        given().header("Idempotency-Key", key)
                .body("{}")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        Response replay = given().header("Idempotency-Key", key).body("{}").post("/endpoints/echo/invocations");
        replay.then().statusCode(200);
        Named named = Named.by(replay);
        JsonNode server = awaitSpan(s -> s.get("spanId").asText().equals(named.spanId));
        assertThat(events(server, "idempotency.replay")).hasSize(1);
        assertThat(events(server, "idempotency.replay")
                        .get(0)
                        .get("attributes")
                        .get("sagewatch.replay_of")
                        .asText())
                .isNotEmpty();
        // give a model call's span the time to arrive, were there one
        assertThat(spansOf(named.traceId)).hasSize(1);
    }

    // ---- reading the receiver -----------------------------------------------------------------------------------

    private static List<JsonNode> all() {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(System.getProperty(OtlpReceiver.URL) + "/spans"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            List<JsonNode> spans = new ArrayList<>();
            JSON.readTree(response.body()).forEach(spans::add);
            return spans;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<JsonNode> spansOf(String traceId) {
        return all().stream()
                .filter(s -> s.get("traceId").asText().equals(traceId))
                .toList();
    }

    /** The spans of a trace once at least {@code count} have arrived (bounded wait). */
    private static List<JsonNode> spans(String traceId, int count) {
        AtomicReference<List<JsonNode>> seen = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    seen.set(spansOf(traceId));
                    return seen.get().size() >= count;
                });
        return seen.get();
    }

    private static JsonNode awaitSpan(Predicate<JsonNode> wanted) {
        AtomicReference<JsonNode> seen = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    seen.set(all().stream().filter(wanted).findFirst().orElse(null));
                    return seen.get() != null;
                });
        return seen.get();
    }

    private static JsonNode one(List<JsonNode> spans, Predicate<JsonNode> wanted) {
        List<JsonNode> found = spans.stream().filter(wanted).toList();
        assertThat(found).as("matching spans among %s", spans).hasSize(1);
        return found.get(0);
    }

    private static String attribute(JsonNode span, String key) {
        JsonNode value = span.get("attributes").get(key);
        assertThat(value).as("attribute %s of %s", key, span).isNotNull();
        return value.asText();
    }

    private static List<JsonNode> events(JsonNode span, String name) {
        List<JsonNode> found = new ArrayList<>();
        span.get("events").forEach(e -> {
            if (e.get("name").asText().equals(name)) {
                found.add(e);
            }
        });
        return found;
    }

    private static boolean linksTo(JsonNode span, Named named) {
        for (JsonNode link : span.get("links")) {
            if (link.get("traceId").asText().equals(named.traceId)
                    && link.get("spanId").asText().equals(named.spanId)) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new IllegalStateException(line, e);
        }
    }

    private static String randomHex(int digits) {
        return UUID.randomUUID().toString().replace("-", "").substring(0, digits);
    }
}
