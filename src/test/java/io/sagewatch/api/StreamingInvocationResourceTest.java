package io.sagewatch.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.sagewatch.aws.EventStreamMessage;
import io.sagewatch.metrics.InferenceLog;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.EventStreamReader;
import io.sagewatch.testing.Gateway;
import io.sagewatch.testing.GatewayTestResource;
import io.sagewatch.testing.PythonScript;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * InvokeEndpointWithResponseStream through the gateway, against the SageMaker-protocol fake and DynamoDB Local. In the
 * Lambda build (requests as API Gateway events) a stream comes back whole: the boto3 cases run there too.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(StreamingInvocationResourceTest.StreamDeadlines.class)
class StreamingInvocationResourceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    public static class StreamDeadlines implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "sagewatch.endpoint.\"stream-late\".timeout", "1s",
                    "sagewatch.endpoint.\"stream-silent\".stream-silence-timeout", "1s",
                    "sagewatch.endpoint.\"stream-stalled\".stream-silence-timeout", "1s",
                    "sagewatch.capture.sample-percent", "100");
        }
    }

    private static String url(String endpoint) {
        return "http://127.0.0.1:" + RestAssured.port + "/endpoints/" + endpoint + "/invocations-response-stream";
    }

    /** boto3's invoke_endpoint_with_response_stream for each call; its results in order. */
    private static JsonNode boto3(ObjectNode... calls) throws Exception {
        ArrayNode list = JSON.createArrayNode();
        for (ObjectNode call : calls) {
            list.add(call);
        }
        return JSON.readTree(
                PythonScript.run("boto3_stream.py", list.toString(), "http://127.0.0.1:" + RestAssured.port));
    }

    private static ObjectNode call(String endpoint, String body, String inferenceId) {
        ObjectNode call = JSON.createObjectNode().put("endpoint", endpoint).put("body", body);
        if (inferenceId != null) {
            call.put("inference_id", inferenceId);
        }
        return call;
    }

    private static List<String> parts(JsonNode result) {
        List<String> parts = new ArrayList<>();
        result.get("parts")
                .forEach(p -> parts.add(new String(Base64.getDecoder().decode(p.asText()), StandardCharsets.UTF_8)));
        return parts;
    }

    @Test
    void boto3ReadsEveryPartInOrderWithSageMakersHeaders() throws Exception {
        String raw = newInferenceId();
        String tgi = newInferenceId();
        ObjectNode rawCall = call("stream-raw", "{\"parts\":5}", raw)
                .put("custom_attributes", "trace=boto3")
                .put("target_variant", "blue")
                .put("accept", "text/plain");
        JsonNode results = boto3(rawCall, call("stream-tgi", "{\"parts\":4}", tgi));

        JsonNode first = results.get(0);
        assertEquals(200, first.get("status").asInt(), first.toString());
        assertEquals(List.of("part-1;", "part-2;", "part-3;", "part-4;", "part-5;"), parts(first));
        assertEquals("application/octet-stream", first.get("content_type").asText());
        assertEquals("blue", first.get("variant").asText());
        assertEquals("echo:trace=boto3", first.get("custom_attributes").asText());
        assertNotNull(first.get("request_id").textValue(), "x-amzn-RequestId reaches boto3's ResponseMetadata");
        // what the model received: the stream operation, its own Accept header
        JsonPath upstream = Gateway.modelHeadersFor(raw);
        assertEquals("text/plain", upstream.getString("x-amzn-sagemaker-accept"));

        JsonPath record = awaitFinalRecord(raw);
        assertEquals("SUCCEEDED", record.getString("status"));
        assertEquals(200, record.getInt("http_status"));
        assertEquals(5, record.getInt("parts"));
        assertEquals(35, record.getInt("response_bytes"));
        assertThat(record.getDouble("time_to_first_token_ms")).isPositive();
        assertThat(record.getDouble("added_time_to_first_token_ms"))
                .isNotNegative()
                .isLessThanOrEqualTo(record.getDouble("time_to_first_token_ms"));
        assertThat(record.getDouble("inter_token_latency_p99_ms"))
                .isGreaterThanOrEqualTo(record.getDouble("inter_token_latency_p50_ms"));
        // the captured output is the stream reassembled (base64: the model's content type is not text)
        assertEquals(
                "part-1;part-2;part-3;part-4;part-5;",
                new String(Base64.getDecoder().decode(record.getString("output.data")), StandardCharsets.UTF_8));

        JsonNode second = results.get(1);
        assertEquals("text/event-stream", second.get("content_type").asText());
        assertThat(parts(second)).hasSize(4).allMatch(p -> p.startsWith("data:{\"token\""));
        JsonPath tgiRecord = awaitFinalRecord(tgi);
        assertEquals(4, tgiRecord.getInt("output_tokens"), "TGI's generated_tokens on the last event");
    }

    @Test
    void tokensAreCountedFromOpenAiStyleChunksWithTheirUsage() throws Exception {
        String id = newInferenceId();
        JsonNode result =
                boto3(call("stream-openai", "{\"parts\":6,\"pace_ms\":5}", id)).get(0);
        assertThat(parts(result)).hasSize(6);
        JsonPath record = awaitFinalRecord(id);
        assertEquals(6, record.getInt("output_tokens"));
        assertEquals(7, record.getInt("input_tokens"));
        assertThat(record.getDouble("output_tokens_per_second")).isPositive();
    }

    @Test
    void errorsBeforeTheStreamAreHttpErrorsAndInsideItAreEvents() throws Exception {
        String broken = newInferenceId();
        String failed = newInferenceId();
        JsonNode results = boto3(
                call("error-model", "{}", null),
                call("error-validation", "{}", null),
                call("stream-error", "{}", failed),
                call("stream-internal-failure", "{}", null),
                call("stream-broken", "{}", broken));

        assertEquals(
                "ModelError",
                results.get(0).get("raised").asText(),
                results.get(0).toString());
        assertEquals(424, results.get(0).get("status").asInt());
        assertEquals("ValidationError", results.get(1).get("raised").asText());

        JsonNode modelStreamError = results.get(2);
        assertEquals(List.of("part-1;", "part-2;"), parts(modelStreamError), "parts before the error are delivered");
        assertEquals("EventStreamError", modelStreamError.get("raised").asText());
        assertEquals("ModelStreamError", modelStreamError.get("code").asText());
        assertEquals(
                "Model container crashed mid-stream",
                modelStreamError.get("message").asText());

        JsonNode internal = results.get(3);
        assertEquals("InternalStreamFailure", internal.get("code").asText(), internal.toString());

        JsonNode cut = results.get(4);
        assertEquals(List.of("part-1;"), parts(cut));
        assertEquals("ModelStreamError", cut.get("code").asText(), cut.toString());

        JsonPath record = awaitFinalRecord(failed);
        assertEquals("FAILED", record.getString("status"));
        assertEquals("ModelStreamError", record.getString("error_type"));
        assertEquals(200, record.getInt("http_status"), "the client got a 200 and a stream");
        assertEquals(2, record.getInt("parts"));
        assertEquals("ModelStreamError", awaitFinalRecord(broken).getString("error_type"));
    }

    @Test
    void aPartReachesTheClientBeforeTheModelSendsTheNext() throws Exception {
        assumeFalse(Gateway.isLambdaBuild(), "API Gateway's HTTP API returns a stream whole when it ends");
        String id = newInferenceId();
        try (EventStreamReader stream = EventStreamReader.open(url("stream-held"), id, "{\"parts\":3}")) {
            assertEquals(200, stream.response().statusCode());
            assertEquals(
                    "application/vnd.amazon.eventstream",
                    stream.response().headers().firstValue("Content-Type").orElseThrow());
            // the model holds parts 2 and 3 until this first part has come through the gateway
            EventStreamMessage first = stream.next(PATIENCE);
            assertEquals("PayloadPart", first.header(":event-type"));
            assertEquals("part-1;", new String(first.payload(), StandardCharsets.UTF_8));
            Gateway.releaseStream(id);
            assertEquals("part-2;", new String(stream.next(PATIENCE).payload(), StandardCharsets.UTF_8));
            assertEquals("part-3;", new String(stream.next(PATIENCE).payload(), StandardCharsets.UTF_8));
            assertNull(stream.next(PATIENCE));
        }
        assertEquals("SUCCEEDED", awaitFinalRecord(id).getString("status"));
    }

    @Test
    void aClientThatLeavesMidStreamCancelsTheModelCallAndIsRecorded() throws Exception {
        assumeFalse(Gateway.isLambdaBuild(), "API Gateway's HTTP API returns a stream whole when it ends");
        String id = newInferenceId();
        try (CapturedLog lines = CapturedLog.of(InferenceLog.CATEGORY)) {
            try (EventStreamReader stream = EventStreamReader.open(url("stream-held"), id, "{\"parts\":200}")) {
                assertEquals("part-1;", new String(stream.next(PATIENCE).payload(), StandardCharsets.UTF_8));
            }
            JsonPath record = awaitFinalRecord(id);
            assertEquals("FAILED", record.getString("status"));
            assertEquals("ClientDisconnected", record.getString("error_type"));
            assertEquals(1, record.getInt("parts"), "the record says how much was delivered");
            await().atMost(PATIENCE).until(() -> lines.messages().stream().anyMatch(l -> l.contains(id)));
            JsonNode line = JSON.readTree(lines.messages().stream()
                    .filter(l -> l.contains(id))
                    .findFirst()
                    .get());
            assertEquals(1, line.get("parts").asInt());
        }
        // the model's side: the rest of its stream goes to a connection the gateway has reset
        Gateway.releaseStream(id);
        await().atMost(PATIENCE).until(() -> Gateway.streamCutUpstream(id));
    }

    @Test
    void aModelThatSendsNoFirstPartInTimeGetsAModelStreamError() throws Exception {
        String id = newInferenceId();
        JsonNode result = boto3(call("stream-late", "{}", id)).get(0);
        assertEquals("ModelStreamError", result.get("code").asText(), result.toString());
        assertThat(result.get("message").asText()).contains("first-part deadline");
        JsonPath record = awaitFinalRecord(id);
        assertEquals("ModelStreamError", record.getString("error_type"));
        assertEquals(0, record.getInt("parts"));
    }

    @Test
    void aModelThatFallsSilentMidStreamGetsAModelStreamError() throws Exception {
        String id = newInferenceId();
        JsonNode result = boto3(call("stream-silent", "{}", id)).get(0);
        assertEquals(List.of("part-1;"), parts(result));
        assertEquals("ModelStreamError", result.get("code").asText(), result.toString());
        assertThat(result.get("message").asText()).contains("sent nothing for 1000 ms");
        assertEquals(1, awaitFinalRecord(id).getInt("parts"));
    }

    @Test
    void aSlowReaderHoldsTheModelBackInsteadOfFillingTheGatewaysMemory() throws Exception {
        assumeFalse(Gateway.isLambdaBuild(), "API Gateway's HTTP API returns a stream whole when it ends");
        String id = newInferenceId();
        int parts = 4_000;
        int partBytes = 64 * 1024; // 256 MB in all
        try (EventStreamReader stream = EventStreamReader.open(
                url("stream-raw"), id, "{\"parts\":" + parts + ",\"part_bytes\":" + partBytes + "}")) {
            stream.next(PATIENCE);
            stream.pause();
            // wait (bounded) until the model's writes stop advancing: the buffers between it and the reader are full
            long[] last = {-1};
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        long now = Gateway.streamBytesWritten(id);
                        boolean stalled = now == last[0];
                        last[0] = now;
                        return stalled;
                    });
            // What left the model sits in the sockets' buffers (on this machine TCP autotunes a connection's up to 32
            // MB
            // to receive and 4 MB to send: 72 MB for the two connections at most) and one chunk in the gateway; not
            // the 256 MB the model has to send.
            assertThat(last[0]).isLessThan(96L * 1024 * 1024);
            stream.resume();
            int received = 1;
            while (stream.next(Duration.ofSeconds(20)) != null) {
                received++;
            }
            assertEquals(parts, received);
        }
        assertEquals(parts, awaitFinalRecord(id).getInt("parts"));
    }

    @Test
    void aClientThatStopsReadingIsLetGoAfterTheSilenceDeadline() throws Exception {
        assumeFalse(Gateway.isLambdaBuild(), "API Gateway's HTTP API returns a stream whole when it ends");
        String id = newInferenceId();
        try (EventStreamReader stream =
                EventStreamReader.open(url("stream-stalled"), id, "{\"parts\":4000,\"part_bytes\":65536}")) {
            stream.next(PATIENCE);
            stream.pause();
            // the buffers fill, the parts wait for the client for longer than 1 s: the gateway ends the stream
            JsonPath record = awaitFinalRecord(id);
            assertEquals("ClientDisconnected", record.getString("error_type"));
            assertThat(record.getString("error_message")).contains("read nothing for 1000 ms");
            assertThat(record.getInt("parts")).isLessThan(4000);
        }
        await().atMost(PATIENCE).until(() -> Gateway.streamCutUpstream(id));
    }

    @Test
    void aStreamOfManyThousandPartsArrivesWholeAndInOrder() throws Exception {
        String id = newInferenceId();
        JsonNode result = boto3(call("stream-raw", "{\"parts\":5000}", id)).get(0);
        List<String> parts = parts(result);
        assertEquals(5000, parts.size());
        for (int i = 0; i < parts.size(); i++) {
            assertEquals("part-" + (i + 1) + ";", parts.get(i));
        }
        JsonPath record = awaitFinalRecord(id);
        assertEquals(5000, record.getInt("parts"));
        assertEquals(true, record.getBoolean("output.truncated"), "the capture is capped");
    }

    @Test
    void anIdempotencyKeyReplaysAFinishedStreamWholeInOnePart() throws Exception {
        String key = "stream-key-" + newInferenceId();
        String first = newInferenceId();
        List<String> parts = new ArrayList<>();
        try (EventStreamReader stream =
                EventStreamReader.open(url("stream-raw"), first, "{\"parts\":3}", Map.of("Idempotency-Key", key))) {
            for (EventStreamMessage part = stream.next(PATIENCE); part != null; part = stream.next(PATIENCE)) {
                parts.add(new String(part.payload(), StandardCharsets.UTF_8));
            }
        }
        assertEquals(List.of("part-1;", "part-2;", "part-3;"), parts);
        awaitFinalRecord(first);
        String again = newInferenceId();
        await().atMost(PATIENCE).untilAsserted(() -> {
            try (EventStreamReader replay =
                    EventStreamReader.open(url("stream-raw"), again, "{\"parts\":3}", Map.of("Idempotency-Key", key))) {
                assertEquals(200, replay.response().statusCode());
                assertEquals(
                        "true",
                        replay.response()
                                .headers()
                                .firstValue("Idempotent-Replayed")
                                .orElse(null));
                assertEquals(
                        first,
                        replay.response()
                                .headers()
                                .firstValue("X-Sagewatch-Inference-Id")
                                .orElse(null));
                EventStreamMessage whole = replay.next(PATIENCE);
                assertEquals("PayloadPart", whole.header(":event-type"));
                assertEquals("part-1;part-2;part-3;", new String(whole.payload(), StandardCharsets.UTF_8));
                assertNull(replay.next(PATIENCE));
            }
        });
        assertEquals(1, Gateway.modelCallsFor(first));
        assertEquals(0, Gateway.modelCallsFor(again), "a replay does not reach the model");
    }

    @Test
    void badInputIsRefusedBeforeTheModelIsCalled() {
        given().contentType("application/json")
                .body("")
                .post("/endpoints/stream-raw/invocations-response-stream")
                .then()
                .statusCode(400)
                .header("x-amzn-ErrorType", "ValidationError");
    }
}
