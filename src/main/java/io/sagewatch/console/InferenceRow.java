package io.sagewatch.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.sagewatch.core.InferenceFields;
import io.sagewatch.records.CapturedPayload;
import io.sagewatch.records.InferenceRecord;

/** A record as a row of the inferences table (its figures as a person reads them). */
public record InferenceRow(
        String inferenceId,
        String requestId,
        String receivedAt,
        String endpoint,
        String status,
        String httpStatus,
        String error,
        String caller,
        String latency,
        String modelLatency,
        String tokens,
        String cost) {

    /** The detail page's path. */
    public String link() {
        return "/console/inferences/"
                + java.net.URLEncoder.encode(inferenceId, java.nio.charset.StandardCharsets.UTF_8)
                        .replace("+", "%20");
    }

    public boolean failed() {
        return "FAILED".equals(status);
    }

    public static InferenceRow of(InferenceRecord record) {
        Object input = record.get("input_tokens");
        Object output = record.get("output_tokens");
        return new InferenceRow(
                record.inferenceId(),
                record.requestId(),
                text(record.get("received_at")),
                record.endpoint(),
                text(record.get("status")),
                text(record.get("http_status")),
                record.get("error_type") == null ? "" : text(record.get("error_type")),
                record.get("caller") == null ? "–" : text(record.get("caller")),
                millis(record.get("latency_ms")),
                millis(record.get("model_latency_ms")),
                input == null && output == null
                        ? "–"
                        : text(input == null ? 0 : input) + " / " + text(output == null ? 0 : output),
                record.get("estimated_cost_usd") == null
                        ? "–"
                        : String.format(
                                Locale.ROOT, "$%.6f", ((Number) record.get("estimated_cost_usd")).doubleValue()));
    }

    /** A field of the detail view. */
    public record Field(String name, String value) {}

    /** The fields of one group (identity, outcome, timing, ...), as the record names them. */
    public record Group(String name, List<Field> fields) {}

    /** A captured payload as stored (redacted, capped). */
    public record Payload(String name, String encoding, String data, boolean truncated, long bytes) {}

    public static List<Group> groups(InferenceRecord record) {
        List<Group> groups = new ArrayList<>();
        Map<String, Object> present = record.fields();
        for (InferenceFields.Group group : InferenceFields.Group.values()) {
            List<Field> fields = new ArrayList<>();
            for (InferenceFields.Field field : InferenceFields.forSink(InferenceFields.Sink.RECORD)) {
                if (field.group() == group && present.get(field.name()) != null) {
                    fields.add(new Field(field.name(), text(present.get(field.name()))));
                }
            }
            if (!fields.isEmpty()) {
                groups.add(new Group(group.name().toLowerCase(Locale.ROOT), fields));
            }
        }
        return groups;
    }

    public static List<Payload> payloads(InferenceRecord record) {
        List<Payload> payloads = new ArrayList<>();
        for (String name : List.of("input", "output")) {
            if (record.get(name) instanceof CapturedPayload payload) {
                payloads.add(
                        new Payload(name, payload.encoding(), payload.data(), payload.truncated(), payload.bytes()));
            }
        }
        return payloads;
    }

    private static String millis(Object value) {
        return value instanceof Number number ? String.format(Locale.ROOT, "%.2f ms", number.doubleValue()) : "–";
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }
}
