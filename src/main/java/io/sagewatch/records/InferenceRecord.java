package io.sagewatch.records;

import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonValue;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One inference as stored in DynamoDB and served by the record routes: its fields in the order of
 * {@link InferenceRecordItem#FIELDS}, absent ones omitted (JSON in snake_case, like the table's attributes).
 */
@RegisterForReflection
@Schema(type = SchemaType.OBJECT, description = "One inference: its fields as docs/records.md lists them")
public final class InferenceRecord {

    /** Aligned with {@link InferenceRecordItem#FIELDS}; null where a field is absent. */
    private final Object[] values;

    InferenceRecord(Object[] values) {
        if (values.length != InferenceRecordItem.FIELDS.size()) {
            throw new IllegalArgumentException("a record has " + InferenceRecordItem.FIELDS.size() + " fields");
        }
        this.values = values;
    }

    /** A field's value by its name (see {@link io.sagewatch.core.InferenceFields}), or null. */
    public Object get(String name) {
        int index = InferenceRecordItem.indexOf(name);
        return index < 0 ? null : values[index];
    }

    Object value(int index) {
        return values[index];
    }

    public String inferenceId() {
        return (String) values[InferenceRecordItem.INFERENCE_ID];
    }

    public String requestId() {
        return (String) values[InferenceRecordItem.REQUEST_ID];
    }

    public String endpoint() {
        return (String) values[InferenceRecordItem.ENDPOINT];
    }

    /** The fields present, in order: what the record routes answer. */
    @JsonValue
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                fields.put(InferenceRecordItem.FIELDS.get(i).name(), values[i]);
            }
        }
        return fields;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof InferenceRecord record && java.util.Arrays.equals(values, record.values);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "InferenceRecord" + fields();
    }
}
