package io.sagewatch.records;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import io.sagewatch.core.InferenceFields;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.table.InferenceTable;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@link InferenceRecord} to a DynamoDB item (its JSON, for BatchWriteItem), from one (reads), and to a log line.
 * {@link #FIELDS} is what a record holds: the record's share of {@link InferenceFields#ALL}, then the captured payloads
 * and the expiry, which only the record has. No reflection on the write path; absent fields are omitted.
 */
final class InferenceRecordItem {

    /** How a field is stored. */
    enum Kind {
        STRING,
        INTEGER,
        DECIMAL,
        INSTANT,
        PAYLOAD
    }

    /**
     * One field: its attribute name (snake_case, also its JSON name), its kind, and, for the quantities of an
     * inference, where its value comes from (null for the record's own fields).
     */
    record Field(String name, Kind kind, InferenceFields.Field source) {}

    static final String INPUT = "input";
    static final String OUTPUT = "output";

    static final List<Field> FIELDS;
    static final int INFERENCE_ID;
    static final int REQUEST_ID;
    static final int ENDPOINT;
    private static final int PAYLOADS;

    static {
        List<Field> fields = new ArrayList<>();
        for (InferenceFields.Field source : InferenceFields.forSink(InferenceFields.Sink.RECORD)) {
            fields.add(new Field(
                    source.name(),
                    switch (source.kind()) {
                        case STRING -> Kind.STRING;
                        case INTEGER -> Kind.INTEGER;
                        case DECIMAL -> Kind.DECIMAL;
                        case INSTANT -> Kind.INSTANT;
                    },
                    source));
        }
        PAYLOADS = fields.size();
        fields.add(new Field(INPUT, Kind.PAYLOAD, null));
        fields.add(new Field(OUTPUT, Kind.PAYLOAD, null));
        fields.add(new Field(InferenceTable.EXPIRES_AT, Kind.INTEGER, null));
        FIELDS = List.copyOf(fields);
        INFERENCE_ID = indexOf(InferenceTable.INFERENCE_ID);
        REQUEST_ID = indexOf(InferenceTable.REQUEST_ID);
        ENDPOINT = indexOf(InferenceTable.ENDPOINT);
    }

    private static final JsonFactory JSON = new JsonFactory();

    private InferenceRecordItem() {}

    static int indexOf(String name) {
        for (int i = 0; i < FIELDS.size(); i++) {
            if (FIELDS.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The record written while the model runs: what the request says. */
    static InferenceRecord inProgress(InferenceRequest request, long expiresAt) {
        Object[] values = new Object[FIELDS.size()];
        for (int i = 0; i < PAYLOADS; i++) {
            var started = FIELDS.get(i).source().started();
            values[i] = started == null ? null : normalized(started.apply(request));
        }
        values[values.length - 1] = expiresAt;
        return new InferenceRecord(values);
    }

    /** The final record: every quantity of the settled inference, its captures when sampled. */
    static InferenceRecord settled(
            InferenceOutcome outcome, CapturedPayload input, CapturedPayload output, long expiresAt) {
        Object[] values = new Object[FIELDS.size()];
        for (int i = 0; i < PAYLOADS; i++) {
            values[i] = normalized(FIELDS.get(i).source().settled().apply(outcome));
        }
        values[PAYLOADS] = input;
        values[PAYLOADS + 1] = output;
        values[values.length - 1] = expiresAt;
        return new InferenceRecord(values);
    }

    /** The item in DynamoDB's JSON form, as BatchWriteItem takes it: written straight from the record, no objects. */
    static byte[] toJson(InferenceRecord r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(768);
        try (JsonGenerator json = JSON.createGenerator(bytes)) {
            json.writeStartObject();
            for (int i = 0; i < FIELDS.size(); i++) {
                Object value = r.value(i);
                if (value == null) {
                    continue;
                }
                Field field = FIELDS.get(i);
                json.writeFieldName(field.name());
                json.writeStartObject();
                switch (field.kind()) {
                    case STRING -> json.writeStringField("S", (String) value);
                    case INTEGER, DECIMAL -> json.writeStringField("N", value.toString());
                    case INSTANT -> json.writeStringField("S", InferenceTable.timestamp((Instant) value));
                    case PAYLOAD -> {
                        CapturedPayload p = (CapturedPayload) value;
                        json.writeFieldName("M");
                        json.writeStartObject();
                        typed(json, "encoding", "S", p.encoding());
                        typed(json, "data", "S", p.data());
                        json.writeFieldName("truncated");
                        json.writeStartObject();
                        json.writeBooleanField("BOOL", p.truncated());
                        json.writeEndObject();
                        typed(json, "bytes", "N", Long.toString(p.bytes()));
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

    private static void typed(JsonGenerator json, String name, String type, String value) throws IOException {
        json.writeFieldName(name);
        json.writeStartObject();
        json.writeStringField(type, value);
        json.writeEndObject();
    }

    /**
     * The names records were written with before each quantity got one name (0.1): records keep them until they
     * expire, and are read under the new names.
     */
    static final Map<String, String> FORMER_NAMES = Map.of(
            "overhead_latency_ms", "overhead_ms",
            "estimated_cost_usd", "cost_usd",
            "time_to_first_token_ms", "time_to_first_part_ms",
            "added_time_to_first_token_ms", "added_time_to_first_part_ms",
            "inter_token_latency_p50_ms", "inter_part_p50_ms",
            "inter_token_latency_p99_ms", "inter_part_p99_ms",
            "output_tokens_per_second", "tokens_per_second");

    static InferenceRecord fromItem(Map<String, AttributeValue> item) {
        Object[] values = new Object[FIELDS.size()];
        for (int i = 0; i < values.length; i++) {
            String name = FIELDS.get(i).name();
            AttributeValue v = item.get(name);
            if (v == null && FORMER_NAMES.containsKey(name)) {
                v = item.get(FORMER_NAMES.get(name));
            }
            values[i] = v == null ? null : value(FIELDS.get(i), v);
        }
        return new InferenceRecord(values);
    }

    /** The record for a log line: every field but the captured payloads (no payload goes to the logs). */
    static Map<String, Object> withoutPayloads(InferenceRecord r) {
        Map<String, Object> line = new LinkedHashMap<>();
        for (int i = 0; i < FIELDS.size(); i++) {
            Object value = r.value(i);
            Field field = FIELDS.get(i);
            if (value != null && field.kind() != Kind.PAYLOAD) {
                line.put(
                        field.name(),
                        field.kind() == Kind.INTEGER || field.kind() == Kind.DECIMAL ? value : value.toString());
            }
        }
        return line;
    }

    private static Object value(Field field, AttributeValue v) {
        return switch (field.kind()) {
            case STRING -> v.s();
            case INSTANT -> Instant.parse(v.s());
            case INTEGER -> Long.valueOf(v.n());
            // DynamoDB keeps numbers without trailing zeros: "50.0" comes back as "50", still a decimal
            case DECIMAL -> Double.valueOf(v.n());
            case PAYLOAD -> {
                if (!v.hasM()) {
                    yield null;
                }
                Map<String, AttributeValue> m = v.m();
                yield new CapturedPayload(
                        m.get("encoding").s(),
                        m.get("data").s(),
                        m.get("truncated").bool(),
                        Long.parseLong(m.get("bytes").n()));
            }
        };
    }

    /** Whole numbers as longs, as they are read back. */
    private static Object normalized(Object value) {
        return value instanceof Integer number ? Long.valueOf(number) : value;
    }
}
