package io.sagewatch.monitor.quality;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagewatch.json.Json;

/**
 * A batch of ground truth as clients send it: Model Monitor's ground-truth JSON lines, unchanged
 * ({@code {"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"..."},"eventVersion":"0"}}), or
 * CSV {@code inference_id,label} rows with an optional header. A label of a batch inference (several rows) holds one
 * value per row, in order: CSV {@code "1,0,1"}, JSON {@code [1,0,1]}.
 */
public final class GroundTruth {

    /** The most lines one request may carry. */
    public static final int MAX_LINES = 10_000;

    /** One labelled inference: its line in the body (from 1), its id, and its label for each row. */
    public record Label(int line, String inferenceId, List<String> values) {}

    /** A line that could not be read, and why. */
    public record Rejected(int line, String problem) {}

    public record Batch(List<Label> labels, List<Rejected> rejected) {}

    private GroundTruth() {}

    public static Batch parse(byte[] body, String contentType) {
        String text = new String(body, StandardCharsets.UTF_8);
        boolean csv = contentType != null
                && contentType.toLowerCase(java.util.Locale.ROOT).startsWith("text/csv");
        List<Label> labels = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        int counted = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            if (++counted > MAX_LINES) {
                rejected.add(new Rejected(
                        i + 1, "more than " + MAX_LINES + " lines in one request: send the rest in" + " another"));
                break;
            }
            if (csv && labels.isEmpty() && rejected.isEmpty() && isHeader(line)) {
                continue;
            }
            try {
                labels.add(csv ? csvLine(i + 1, line) : jsonLine(i + 1, line));
            } catch (IllegalArgumentException e) {
                rejected.add(new Rejected(i + 1, e.getMessage()));
            }
        }
        return new Batch(labels, rejected);
    }

    private static boolean isHeader(String line) {
        String first = line.split(",", 2)[0].trim().replace("\"", "").toLowerCase(java.util.Locale.ROOT);
        return first.equals("inference_id")
                || first.equals("inferenceid")
                || first.equals("eventid")
                || first.equals("id");
    }

    private static Label csvLine(int number, String line) {
        int comma = line.indexOf(',');
        if (comma < 0) {
            throw new IllegalArgumentException("expected inference_id,label");
        }
        String id = unquote(line.substring(0, comma).trim());
        String label = unquote(line.substring(comma + 1).trim());
        return new Label(number, id(id), values(label));
    }

    private static Label jsonLine(int number, String line) {
        JsonNode record;
        try {
            record = Json.MAPPER.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + firstLine(e.getMessage()));
        }
        if (record == null || !record.isObject()) {
            throw new IllegalArgumentException("not a JSON object (expected Model Monitor's ground-truth record:"
                    + " groundTruthData, eventMetadata, eventVersion)");
        }
        JsonNode eventId = record.path("eventMetadata").path("eventId");
        if (!eventId.isTextual()) {
            throw new IllegalArgumentException("eventMetadata.eventId (the inference id) is missing");
        }
        JsonNode version = record.get("eventVersion");
        if (version != null && !"0".equals(version.asText())) {
            throw new IllegalArgumentException("eventVersion " + version + " is not one this gateway reads (\"0\")");
        }
        JsonNode data = record.path("groundTruthData");
        JsonNode value = data.get("data");
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("groundTruthData.data is missing");
        }
        String encoding = data.path("encoding").asText("CSV").toUpperCase(java.util.Locale.ROOT);
        List<String> values = switch (encoding) {
            case "CSV" -> values(value.asText());
            case "JSON" -> jsonValues(value);
            default ->
                throw new IllegalArgumentException("groundTruthData.encoding " + encoding + " is not CSV or JSON");
        };
        return new Label(number, id(eventId.asText()), values);
    }

    private static List<String> jsonValues(JsonNode value) {
        JsonNode parsed = value;
        if (value.isTextual()) {
            try {
                parsed = Json.MAPPER.readTree(value.asText());
            } catch (IOException e) {
                throw new IllegalArgumentException("groundTruthData.data is not JSON although its encoding is JSON");
            }
        }
        List<String> values = new ArrayList<>();
        if (parsed != null && parsed.isArray()) {
            parsed.forEach(element -> values.add(scalar(element)));
        } else if (parsed != null) {
            values.add(scalar(parsed));
        }
        if (values.isEmpty()) {
            throw new IllegalArgumentException("groundTruthData.data holds no label");
        }
        return values;
    }

    private static String scalar(JsonNode node) {
        if (!node.isValueNode() || node.isNull()) {
            throw new IllegalArgumentException("a label must be a number, a string or a boolean, not " + node);
        }
        return PredictionReader.canonical(node.asText()); // "1.0", 1.0 and 1 are one class, as predictions are
    }

    private static List<String> values(String csv) {
        List<String> values = new ArrayList<>();
        for (String cell : csv.split(",", -1)) {
            String value = unquote(cell.trim());
            if (value.isEmpty()) {
                throw new IllegalArgumentException("an empty label");
            }
            values.add(PredictionReader.canonical(value));
        }
        return values;
    }

    private static String id(String id) {
        if (id.isEmpty() || id.length() > 256) {
            throw new IllegalArgumentException("an inference id must have 1 to 256 characters");
        }
        return id;
    }

    private static String unquote(String cell) {
        return cell.length() >= 2 && cell.startsWith("\"") && cell.endsWith("\"")
                ? cell.substring(1, cell.length() - 1)
                : cell;
    }

    private static String firstLine(String message) {
        int cut = message == null ? -1 : message.indexOf('\n');
        return cut < 0 ? String.valueOf(message) : message.substring(0, cut);
    }
}
