package io.sagewatch.store;

import static io.sagewatch.store.InferenceTable.ENDPOINT;
import static io.sagewatch.store.InferenceTable.EXPIRES_AT;
import static io.sagewatch.store.InferenceTable.INFERENCE_ID;
import static io.sagewatch.store.InferenceTable.RECEIVED_AT;
import static io.sagewatch.store.InferenceTable.REQUEST_ID;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link InferenceRecord} to and from a DynamoDB item, by hand: no reflection, native-safe, absent fields omitted. */
final class InferenceRecordItem {

    private InferenceRecordItem() {
    }

    static Map<String, AttributeValue> toItem(InferenceRecord r) {
        Map<String, AttributeValue> item = new HashMap<>(32);
        putS(item, INFERENCE_ID, r.inferenceId());
        putS(item, REQUEST_ID, r.requestId());
        putS(item, ENDPOINT, r.endpoint());
        putS(item, "status", r.status().name());
        putN(item, "http_status", r.httpStatus());
        putS(item, "error_type", r.errorType());
        putS(item, "error_message", r.errorMessage());
        putS(item, "variant", r.variant());
        putS(item, "target_model", r.targetModel());
        putS(item, "target_variant", r.targetVariant());
        putS(item, "target_container_hostname", r.targetContainerHostname());
        putS(item, "inference_component", r.inferenceComponent());
        putS(item, "caller", r.caller());
        putS(item, RECEIVED_AT, InferenceTable.timestamp(r.receivedAt()));
        putS(item, "finished_at", r.finishedAt() == null ? null : InferenceTable.timestamp(r.finishedAt()));
        putN(item, "latency_ms", r.latencyMs());
        putN(item, "model_latency_ms", r.modelLatencyMs());
        putN(item, "overhead_ms", r.overheadMs());
        putN(item, "attempts", r.attempts());
        putN(item, "request_bytes", r.requestBytes());
        putN(item, "response_bytes", r.responseBytes());
        putS(item, "request_content_type", r.requestContentType());
        putS(item, "response_content_type", r.responseContentType());
        putN(item, "input_tokens", r.inputTokens());
        putN(item, "output_tokens", r.outputTokens());
        putN(item, "cost_usd", r.costUsd());
        putPayload(item, "input", r.input());
        putPayload(item, "output", r.output());
        putN(item, EXPIRES_AT, r.expiresAt());
        return item;
    }

    static InferenceRecord fromItem(Map<String, AttributeValue> item) {
        return new InferenceRecord(
                s(item, INFERENCE_ID),
                s(item, REQUEST_ID),
                s(item, ENDPOINT),
                InferenceRecord.Status.valueOf(s(item, "status")),
                integer(item, "http_status"),
                s(item, "error_type"),
                s(item, "error_message"),
                s(item, "variant"),
                s(item, "target_model"),
                s(item, "target_variant"),
                s(item, "target_container_hostname"),
                s(item, "inference_component"),
                s(item, "caller"),
                instant(item, RECEIVED_AT),
                instant(item, "finished_at"),
                decimal(item, "latency_ms"),
                decimal(item, "model_latency_ms"),
                decimal(item, "overhead_ms"),
                integer(item, "attempts"),
                longValue(item, "request_bytes"),
                longValue(item, "response_bytes"),
                s(item, "request_content_type"),
                s(item, "response_content_type"),
                longValue(item, "input_tokens"),
                longValue(item, "output_tokens"),
                decimal(item, "cost_usd"),
                payload(item, "input"),
                payload(item, "output"),
                longValue(item, EXPIRES_AT));
    }

    /** An item's size as DynamoDB counts it, roughly (names + values), for the spool's bound. */
    static long estimatedBytes(Map<String, AttributeValue> item) {
        long bytes = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            bytes += e.getKey().length() + estimatedBytes(e.getValue());
        }
        return bytes;
    }

    private static long estimatedBytes(AttributeValue v) {
        if (v.s() != null) {
            return v.s().length();
        }
        if (v.n() != null) {
            return v.n().length();
        }
        return v.hasM() ? estimatedBytes(v.m()) : 8;
    }

    private static void putS(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, AttributeValue.fromS(value));
        }
    }

    private static void putN(Map<String, AttributeValue> item, String name, Number value) {
        if (value != null) {
            item.put(name, AttributeValue.fromN(value.toString()));
        }
    }

    private static void putPayload(Map<String, AttributeValue> item, String name, CapturedPayload p) {
        if (p != null) {
            item.put(name, AttributeValue.fromM(Map.of(
                    "encoding", AttributeValue.fromS(p.encoding()),
                    "data", AttributeValue.fromS(p.data()),
                    "truncated", AttributeValue.fromBool(p.truncated()),
                    "bytes", AttributeValue.fromN(Long.toString(p.bytes())))));
        }
    }

    private static String s(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        String v = s(item, name);
        return v == null ? null : Instant.parse(v);
    }

    private static Double decimal(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : Double.valueOf(v.n());
    }

    private static Integer integer(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : Integer.valueOf(v.n());
    }

    private static Long longValue(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : Long.valueOf(v.n());
    }

    private static CapturedPayload payload(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        if (v == null || !v.hasM()) {
            return null;
        }
        Map<String, AttributeValue> m = v.m();
        return new CapturedPayload(m.get("encoding").s(), m.get("data").s(), m.get("truncated").bool(),
                Long.parseLong(m.get("bytes").n()));
    }
}
