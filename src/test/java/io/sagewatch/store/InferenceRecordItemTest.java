package io.sagewatch.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class InferenceRecordItemTest {

    @Test
    void theFieldListIsTheRecordsComponentsInOrder() {
        assertThat(InferenceRecordItem.FIELDS.stream().map(InferenceRecordItem.Field::name).toList())
                .isEqualTo(Arrays.stream(InferenceRecord.class.getRecordComponents())
                        .map(c -> c.getName().replaceAll("([A-Z])", "_$1").toLowerCase()).toList());
        assertThat(InferenceRecordItem.FIELDS.stream().map(InferenceRecordItem.Field::type).toList())
                .isEqualTo(Arrays.stream(InferenceRecord.class.getRecordComponents())
                        .map(c -> (Object) c.getType()).toList());
    }

    @Test
    void aRecordSurvivesTheTableWithEveryField() throws Exception {
        InferenceRecord record = new InferenceRecord("i", "r", "e", InferenceRecord.Status.FAILED, 424, "ModelError",
                "bad", "blue", "m.tar.gz", "green", "host-1", "component", "team-a",
                Instant.parse("2026-11-30T01:02:03.456Z"), Instant.parse("2026-11-30T01:02:04.001Z"), 545.25, 500.125,
                45.125, 2, 10, 20L, "application/json", "text/plain", 6L, 16L, 0.00003, 16L, 120.5, 0.25, 20.125,
                41.0, 310.75, 48.27,
                new CapturedPayload("text", "in", false, 2), new CapturedPayload("base64", "AAE=", true, 99), 1234L);
        Map<String, AttributeValue> item = item(InferenceRecordItem.toJson(record));
        assertThat(item).hasSize(InferenceRecordItem.FIELDS.size());
        assertThat(InferenceRecordItem.fromItem(item)).isEqualTo(record);
    }

    @Test
    void absentFieldsAreOmittedAndReadBackAsAbsent() throws Exception {
        InferenceRecord started = new InferenceRecord("i", "r", "e", InferenceRecord.Status.IN_PROGRESS, null, null,
                null, null, null, null, null, null, null, Instant.parse("2026-11-30T01:02:03Z"), null, null, null, null,
                null, 10, null, "application/json", null, null, null, null, null, null, null, null, null, null, null,
                null, null, 99L);
        Map<String, AttributeValue> item = item(InferenceRecordItem.toJson(started));
        assertThat(item).containsOnlyKeys("inference_id", "request_id", "endpoint", "status", "received_at",
                "request_bytes", "request_content_type", "expires_at");
        assertThat(InferenceRecordItem.fromItem(item)).isEqualTo(started);
    }

    @Test
    void theLogFormHoldsEverythingButThePayloads() {
        InferenceRecord record = new InferenceRecord("i", "r", "e", InferenceRecord.Status.SUCCEEDED, 200, null, null,
                null, null, null, null, null, null, Instant.parse("2026-11-30T01:02:03Z"), null, 1.5, null, null, 1, 10,
                null, null, null, null, null, null, null, null, null, null, null, null, null,
                new CapturedPayload("text", "secret", false, 6), null, 99L);
        assertThat(InferenceRecordItem.withoutPayloads(record)).doesNotContainKeys("input", "output")
                .containsEntry("status", "SUCCEEDED").containsEntry("latency_ms", 1.5)
                .containsEntry("received_at", "2026-11-30T01:02:03Z").containsEntry("expires_at", 99L);
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
