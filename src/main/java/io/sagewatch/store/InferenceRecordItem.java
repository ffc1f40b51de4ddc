package io.sagewatch.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@link InferenceRecord} to a DynamoDB item (its JSON, for BatchWriteItem), from one (reads), and to a log line. {@link #FIELDS} is the one list of what a
 * record holds, in the order of its components (a test checks that they agree): adding a field to the record means
 * adding it here, nowhere else. No reflection on the write path; absent fields are omitted.
 */
final class InferenceRecordItem {

    /** How a field is stored. */
    enum Kind {
        STRING, NUMBER, INSTANT, STATUS, PAYLOAD
    }

    /** One field: its attribute name (snake_case, also its JSON name), its kind, and how to read it from a record. */
    record Field(String name, Kind kind, Function<InferenceRecord, Object> value, Class<?> type) {
    }

    static final List<Field> FIELDS = List.of(
            new Field(InferenceTable.INFERENCE_ID, Kind.STRING, InferenceRecord::inferenceId, String.class),
            new Field(InferenceTable.REQUEST_ID, Kind.STRING, InferenceRecord::requestId, String.class),
            new Field(InferenceTable.ENDPOINT, Kind.STRING, InferenceRecord::endpoint, String.class),
            new Field("status", Kind.STATUS, InferenceRecord::status, InferenceRecord.Status.class),
            new Field("http_status", Kind.NUMBER, InferenceRecord::httpStatus, Integer.class),
            new Field("error_type", Kind.STRING, InferenceRecord::errorType, String.class),
            new Field("error_message", Kind.STRING, InferenceRecord::errorMessage, String.class),
            new Field("variant", Kind.STRING, InferenceRecord::variant, String.class),
            new Field("target_model", Kind.STRING, InferenceRecord::targetModel, String.class),
            new Field("target_variant", Kind.STRING, InferenceRecord::targetVariant, String.class),
            new Field("target_container_hostname", Kind.STRING, InferenceRecord::targetContainerHostname, String.class),
            new Field("inference_component", Kind.STRING, InferenceRecord::inferenceComponent, String.class),
            new Field("caller", Kind.STRING, InferenceRecord::caller, String.class),
            new Field(InferenceTable.RECEIVED_AT, Kind.INSTANT, InferenceRecord::receivedAt, Instant.class),
            new Field("finished_at", Kind.INSTANT, InferenceRecord::finishedAt, Instant.class),
            new Field("latency_ms", Kind.NUMBER, InferenceRecord::latencyMs, Double.class),
            new Field("model_latency_ms", Kind.NUMBER, InferenceRecord::modelLatencyMs, Double.class),
            new Field("overhead_ms", Kind.NUMBER, InferenceRecord::overheadMs, Double.class),
            new Field("attempts", Kind.NUMBER, InferenceRecord::attempts, Integer.class),
            new Field("request_bytes", Kind.NUMBER, InferenceRecord::requestBytes, long.class),
            new Field("response_bytes", Kind.NUMBER, InferenceRecord::responseBytes, Long.class),
            new Field("request_content_type", Kind.STRING, InferenceRecord::requestContentType, String.class),
            new Field("response_content_type", Kind.STRING, InferenceRecord::responseContentType, String.class),
            new Field("input_tokens", Kind.NUMBER, InferenceRecord::inputTokens, Long.class),
            new Field("output_tokens", Kind.NUMBER, InferenceRecord::outputTokens, Long.class),
            new Field("cost_usd", Kind.NUMBER, InferenceRecord::costUsd, Double.class),
            new Field("parts", Kind.NUMBER, InferenceRecord::parts, Long.class),
            new Field("time_to_first_part_ms", Kind.NUMBER, InferenceRecord::timeToFirstPartMs, Double.class),
            new Field("added_time_to_first_part_ms", Kind.NUMBER, InferenceRecord::addedTimeToFirstPartMs, Double.class),
            new Field("inter_part_p50_ms", Kind.NUMBER, InferenceRecord::interPartP50Ms, Double.class),
            new Field("inter_part_p99_ms", Kind.NUMBER, InferenceRecord::interPartP99Ms, Double.class),
            new Field("stream_duration_ms", Kind.NUMBER, InferenceRecord::streamDurationMs, Double.class),
            new Field("tokens_per_second", Kind.NUMBER, InferenceRecord::tokensPerSecond, Double.class),
            new Field("input", Kind.PAYLOAD, InferenceRecord::input, CapturedPayload.class),
            new Field("output", Kind.PAYLOAD, InferenceRecord::output, CapturedPayload.class),
            new Field(InferenceTable.EXPIRES_AT, Kind.NUMBER, InferenceRecord::expiresAt, long.class));

    /** The canonical constructor, for reads (record routes, not the request path). */
    private static final MethodHandle CONSTRUCTOR;

    static {
        try {
            CONSTRUCTOR = MethodHandles.lookup().findConstructor(InferenceRecord.class, MethodType.methodType(void.class,
                    FIELDS.stream().map(Field::type).toArray(Class<?>[]::new)));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private InferenceRecordItem() {
    }

    private static final JsonFactory JSON = new JsonFactory();

    /** The item in DynamoDB's JSON form, as BatchWriteItem takes it: written straight from the record, no objects. */
    static byte[] toJson(InferenceRecord r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(768);
        try (JsonGenerator json = JSON.createGenerator(bytes)) {
            json.writeStartObject();
            for (Field field : FIELDS) {
                Object value = field.value().apply(r);
                if (value == null) {
                    continue;
                }
                json.writeFieldName(field.name());
                json.writeStartObject();
                switch (field.kind()) {
                    case STRING -> json.writeStringField("S", (String) value);
                    case NUMBER -> json.writeStringField("N", value.toString());
                    case INSTANT -> json.writeStringField("S", InferenceTable.timestamp((Instant) value));
                    case STATUS -> json.writeStringField("S", ((InferenceRecord.Status) value).name());
                    case PAYLOAD -> {
                        CapturedPayload p = (CapturedPayload) value;
                        json.writeFieldName("M");
                        json.writeStartObject();
                        json.writeFieldName("encoding");
                        json.writeStartObject();
                        json.writeStringField("S", p.encoding());
                        json.writeEndObject();
                        json.writeFieldName("data");
                        json.writeStartObject();
                        json.writeStringField("S", p.data());
                        json.writeEndObject();
                        json.writeFieldName("truncated");
                        json.writeStartObject();
                        json.writeBooleanField("BOOL", p.truncated());
                        json.writeEndObject();
                        json.writeFieldName("bytes");
                        json.writeStartObject();
                        json.writeStringField("N", Long.toString(p.bytes()));
                        json.writeEndObject();
                        json.writeEndObject();
                    }
                }
                json.writeEndObject();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A record's table key as one string: how the spool matches the items DynamoDB left unprocessed. */
    static String key(String inferenceId, String requestId) {
        return inferenceId + '\u0000' + requestId;
    }

    static InferenceRecord fromItem(Map<String, AttributeValue> item) {
        Object[] values = new Object[FIELDS.size()];
        for (int i = 0; i < values.length; i++) {
            Field field = FIELDS.get(i);
            AttributeValue v = item.get(field.name());
            values[i] = v == null ? (field.type() == long.class ? 0L : null) : value(field, v);
        }
        try {
            return (InferenceRecord) CONSTRUCTOR.invokeWithArguments(Arrays.asList(values));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The record for a log line: every field but the captured payloads (no payload goes to the logs). */
    static Map<String, Object> withoutPayloads(InferenceRecord r) {
        Map<String, Object> line = new LinkedHashMap<>();
        for (Field field : FIELDS) {
            Object value = field.value().apply(r);
            if (value != null && field.kind() != Kind.PAYLOAD) {
                line.put(field.name(), field.kind() == Kind.NUMBER ? value : value.toString());
            }
        }
        return line;
    }

    private static Object value(Field field, AttributeValue v) {
        return switch (field.kind()) {
            case STRING -> v.s();
            case INSTANT -> Instant.parse(v.s());
            case STATUS -> InferenceRecord.Status.valueOf(v.s());
            case NUMBER -> number(field.type(), v.n());
            case PAYLOAD -> {
                if (!v.hasM()) {
                    yield null;
                }
                Map<String, AttributeValue> m = v.m();
                yield new CapturedPayload(m.get("encoding").s(), m.get("data").s(), m.get("truncated").bool(),
                        Long.parseLong(m.get("bytes").n()));
            }
        };
    }

    private static Object number(Class<?> type, String n) {
        if (type == Integer.class) {
            return Integer.valueOf(n);
        }
        if (type == Double.class) {
            return Double.valueOf(n);
        }
        return Long.valueOf(n);
    }
}
