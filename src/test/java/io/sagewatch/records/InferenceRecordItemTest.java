package io.sagewatch.records;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.InferenceTrace;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.StreamStats;
import io.sagewatch.core.TokenUsage;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import static org.assertj.core.api.Assertions.assertThat;

class InferenceRecordItemTest {

    /**
     * The record's field list: what the table holds and the record routes answer. A new quantity in
     * {@link io.sagewatch.core.InferenceFields} shows up here, and in docs/metrics.md (DocsTest).
     */
    @Test
    void theRecordHoldsTheseFieldsInThisOrder() {
        assertThat(InferenceRecordItem.FIELDS.stream()
                        .map(InferenceRecordItem.Field::name)
                        .toList())
                .containsExactly(
                        "inference_id",
                        "request_id",
                        "endpoint",
                        "front",
                        "trace_id",
                        "span_id",
                        "status",
                        "http_status",
                        "error_type",
                        "error_origin",
                        "budget",
                        "error_message",
                        "model",
                        "variant",
                        "target_model",
                        "target_variant",
                        "target_container_hostname",
                        "inference_component",
                        "caller",
                        "received_at",
                        "finished_at",
                        "latency_ms",
                        "model_latency_ms",
                        "overhead_latency_ms",
                        "attempts",
                        "request_bytes",
                        "response_bytes",
                        "request_content_type",
                        "response_content_type",
                        "input_tokens",
                        "output_tokens",
                        "finish_reason",
                        "estimated_cost_usd",
                        "parts",
                        "time_to_first_token_ms",
                        "added_time_to_first_token_ms",
                        "inter_token_latency_p50_ms",
                        "inter_token_latency_p99_ms",
                        "stream_duration_ms",
                        "output_tokens_per_second",
                        "input",
                        "output",
                        "expires_at");
    }

    @Test
    void aRecordSurvivesTheTableWithEveryField() throws Exception {
        InferenceRequest request = request("m.tar.gz", "green", "host-1", "component", "team-a");
        // a budget's refusal: every field has a value (a refusal has no response or tokens, but the item does not care)
        InferenceError error = InferenceError.overBudget("team-a-daily", true, "bad", 5);
        InferenceOutcome failed = new InferenceOutcome(
                request,
                new ModelCall(
                        new ModelResponse(
                                "{}".getBytes(StandardCharsets.UTF_8), "text/plain", "blue", null, null, null),
                        error,
                        500_125_000L,
                        2),
                error,
                Instant.parse("2026-11-30T01:02:04.001Z"),
                545_250_000L,
                new TokenUsage(6L, 16L, "length"),
                0.00003,
                null,
                new StreamStats(120_500_000L, 120_250_000L, 16, 20, 20_125_000L, 41_000_000L, 310_750_000L, false));
        InferenceRecord record = InferenceRecordItem.settled(
                failed,
                new CapturedPayload("text", "in", false, 2),
                new CapturedPayload("base64", "AAE=", true, 99),
                1234L);
        Map<String, AttributeValue> item = item(InferenceRecordItem.toJson(record));
        assertThat(item).hasSize(InferenceRecordItem.FIELDS.size());
        assertThat(InferenceRecordItem.fromItem(item)).isEqualTo(record);
        assertThat(record.fields())
                .containsEntry("status", "FAILED")
                .containsEntry("error_type", "ThrottlingException")
                .containsEntry("error_origin", "GATEWAY")
                .containsEntry("budget", "team-a-daily")
                .containsEntry("latency_ms", 545.25)
                .containsEntry("model_latency_ms", 500.125)
                .containsEntry("overhead_latency_ms", 45.125)
                .containsEntry("attempts", 2L)
                .containsEntry("time_to_first_token_ms", 120.5)
                .containsEntry("added_time_to_first_token_ms", 0.25)
                .containsEntry("caller", "team-a")
                .containsEntry("front", "sagemaker")
                .containsEntry("model", "llama")
                .containsEntry("finish_reason", "length")
                .containsEntry("trace_id", TRACE.traceId())
                .containsEntry("span_id", TRACE.spanId());
    }

    /** A request's place in a trace, as the tracer would give it. */
    private static final InferenceTrace TRACE = new InferenceTrace() {
        @Override
        public String traceId() {
            return "6b168c8815507b31bdbcd767004bbd8c";
        }

        @Override
        public String spanId() {
            return "d94587be7e036eab";
        }

        @Override
        public Map<String, String> outboundHeaders() {
            return Map.of();
        }

        @Override
        public void retrying(int attempt, InferenceError failure) {}

        @Override
        public void answeredByGuard(InferenceOutcome answer) {}
    };

    @Test
    void absentFieldsAreOmittedAndReadBackAsAbsent() throws Exception {
        InferenceRecord started = InferenceRecordItem.inProgress(request(null, null, null, null, null), 99L);
        Map<String, AttributeValue> item = item(InferenceRecordItem.toJson(started));
        assertThat(item)
                .containsOnlyKeys(
                        "inference_id",
                        "request_id",
                        "endpoint",
                        "front",
                        "status",
                        "received_at",
                        "request_bytes",
                        "request_content_type",
                        "expires_at");
        assertThat(item.get("status").s()).isEqualTo("IN_PROGRESS");
        assertThat(InferenceRecordItem.fromItem(item)).isEqualTo(started);
    }

    @Test
    void theLogFormHoldsEverythingButThePayloads() {
        InferenceRequest request = request(null, null, null, null, null);
        InferenceOutcome answered = new InferenceOutcome(
                request,
                new ModelCall(new ModelResponse(new byte[1], null, null, null, null, null), null, 1_000_000L, 1),
                null,
                Instant.parse("2026-11-30T01:02:04Z"),
                1_500_000L,
                TokenUsage.NONE,
                null,
                null,
                null);
        InferenceRecord record =
                InferenceRecordItem.settled(answered, new CapturedPayload("text", "secret", false, 6), null, 99L);
        assertThat(InferenceRecordItem.withoutPayloads(record))
                .doesNotContainKeys("input", "output")
                .containsEntry("status", "SUCCEEDED")
                .containsEntry("latency_ms", 1.5)
                .containsEntry("received_at", "2026-11-30T01:02:03Z")
                .containsEntry("expires_at", 99L);
    }

    /** DynamoDB drops trailing zeros ("50.0" is stored as 50): a decimal field still reads back as a decimal. */
    @Test
    void decimalsStayDecimalsWhateverTheTableKeptOfThem() {
        Map<String, AttributeValue> item = new HashMap<>(Map.of(
                "inference_id", AttributeValue.fromS("i"),
                "request_id", AttributeValue.fromS("r"),
                "endpoint", AttributeValue.fromS("e"),
                "latency_ms", AttributeValue.fromN("50"),
                "estimated_cost_usd", AttributeValue.fromN("0"),
                "attempts", AttributeValue.fromN("1")));
        InferenceRecord record = InferenceRecordItem.fromItem(item);
        assertThat(record.get("latency_ms")).isEqualTo(50.0);
        assertThat(record.get("estimated_cost_usd")).isEqualTo(0.0);
        assertThat(record.get("attempts")).isEqualTo(1L);
    }

    /** Records written before each quantity got one name are read under the new names until they expire. */
    @Test
    void recordsWrittenUnderTheFormerNamesReadUnderTheNewOnes() {
        Map<String, AttributeValue> item = new HashMap<>(Map.of(
                "inference_id", AttributeValue.fromS("i"),
                "request_id", AttributeValue.fromS("r"),
                "endpoint", AttributeValue.fromS("e"),
                "overhead_ms", AttributeValue.fromN("1.5"),
                "cost_usd", AttributeValue.fromN("0.25"),
                "time_to_first_part_ms", AttributeValue.fromN("12.5"),
                "tokens_per_second", AttributeValue.fromN("40")));
        assertThat(InferenceRecordItem.fromItem(item).fields())
                .containsEntry("overhead_latency_ms", 1.5)
                .containsEntry("estimated_cost_usd", 0.25)
                .containsEntry("time_to_first_token_ms", 12.5)
                .containsEntry("output_tokens_per_second", 40.0)
                .doesNotContainKeys("overhead_ms", "cost_usd", "time_to_first_part_ms", "tokens_per_second");
    }

    private static InferenceRequest request(
            String targetModel, String targetVariant, String host, String component, String caller) {
        return new InferenceRequest(
                "r",
                "i",
                "e",
                "0123456789".getBytes(StandardCharsets.UTF_8),
                "application/json",
                null,
                null,
                targetModel,
                targetVariant,
                host,
                component,
                null,
                null,
                Instant.parse("2026-11-30T01:02:03Z"),
                System.nanoTime(),
                caller,
                null,
                InferenceRequest.SAGEMAKER_FRONT,
                caller == null ? null : "llama",
                null,
                null,
                caller == null ? null : TRACE);
    }

    /** DynamoDB JSON, read as DynamoDB would (the types the records use). */
    private static Map<String, AttributeValue> item(byte[] json) throws Exception {
        Map<String, AttributeValue> item = new HashMap<>();
        new ObjectMapper().readTree(json).fields().forEachRemaining(e -> item.put(e.getKey(), attribute(e.getValue())));
        return item;
    }

    private static AttributeValue attribute(JsonNode typed) {
        var entry = typed.fields().next();
        return switch (entry.getKey()) {
            case "S" -> AttributeValue.fromS(entry.getValue().textValue());
            case "N" -> AttributeValue.fromN(entry.getValue().textValue());
            case "BOOL" -> AttributeValue.fromBool(entry.getValue().booleanValue());
            case "M" -> {
                Map<String, AttributeValue> m = new HashMap<>();
                entry.getValue().fields().forEachRemaining(f -> m.put(f.getKey(), attribute(f.getValue())));
                yield AttributeValue.fromM(m);
            }
            default -> throw new AssertionError("unexpected type " + entry.getKey());
        };
    }
}
