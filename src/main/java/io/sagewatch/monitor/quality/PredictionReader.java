package io.sagewatch.monitor.quality;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagewatch.json.Json;

/**
 * Reads the predictions out of a model's answer, where the settings say (Model Monitor's inference and probability
 * attributes): a JSON pointer into a JSON document (an array at the top, or at the pointer, is one row per element),
 * or a column index into CSV (one row per line). Unreadable answers give no rows, never an exception past
 * {@link #read}.
 */
final class PredictionReader {

    private final QualitySettings settings;

    PredictionReader(QualitySettings settings) {
        this.settings = settings;
    }

    /** The answer's rows, or an empty list when it does not hold what the settings name. */
    List<Prediction> read(byte[] body, String contentType) {
        try {
            String type = contentType == null ? "" : contentType.toLowerCase(java.util.Locale.ROOT);
            if (type.startsWith("text/csv")) {
                return csv(new String(body, StandardCharsets.UTF_8));
            }
            if (type.contains("jsonlines") || type.contains("x-ndjson") || type.contains("jsonl")) {
                List<Prediction> rows = new ArrayList<>();
                for (String line : new String(body, StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank()) {
                        rows.addAll(json(Json.MAPPER.readTree(line)));
                    }
                }
                return rows;
            }
            return json(Json.MAPPER.readTree(body));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private List<Prediction> json(JsonNode document) {
        if (document == null) {
            return List.of();
        }
        if (document.isArray() && !pointsIntoArray(document)) {
            List<Prediction> rows = new ArrayList<>();
            for (JsonNode element : document) {
                Prediction row =
                        row(at(element, settings.inferenceAttribute()), at(element, settings.probabilityAttribute()));
                if (row == null) {
                    return List.of();
                }
                rows.add(row);
            }
            return rows;
        }
        JsonNode labels = at(document, settings.inferenceAttribute());
        JsonNode probabilities = at(document, settings.probabilityAttribute());
        if ((labels != null && labels.isArray()) || (probabilities != null && probabilities.isArray())) {
            int count = labels != null && labels.isArray() ? labels.size() : probabilities.size();
            List<Prediction> rows = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Prediction row =
                        row(labels == null ? null : labels.get(i), probabilities == null ? null : probabilities.get(i));
                if (row == null) {
                    return List.of();
                }
                rows.add(row);
            }
            return rows;
        }
        Prediction row = row(labels, probabilities);
        return row == null ? List.of() : List.of(row);
    }

    /** Whether a pointer starting with an index reads into the top-level array itself (/0/score). */
    private boolean pointsIntoArray(JsonNode document) {
        String pointer =
                settings.inferenceAttribute() != null ? settings.inferenceAttribute() : settings.probabilityAttribute();
        return pointer != null && pointer.matches("/\\d+(/.*)?");
    }

    private static JsonNode at(JsonNode document, String pointer) {
        if (pointer == null) {
            return null;
        }
        JsonNode found = document.at(pointer);
        return found.isMissingNode() || found.isNull() ? null : found;
    }

    /** One row from the values found, or null when a needed one is missing or of the wrong kind. */
    private Prediction row(JsonNode label, JsonNode probability) {
        double p = Double.NaN;
        if (settings.probabilityAttribute() != null) {
            if (probability == null || !(probability.isNumber() || probability.isTextual())) {
                return null;
            }
            p = number(probability.asText());
            if (Double.isNaN(p)) {
                return null;
            }
        }
        String predicted;
        if (settings.inferenceAttribute() != null) {
            if (label == null || !label.isValueNode()) {
                return null;
            }
            predicted = label.isNumber() ? canonical(label.asText()) : label.asText();
        } else {
            predicted = settings.labelOf(p);
        }
        return predicted(predicted, p);
    }

    private Prediction predicted(String label, double probability) {
        if (settings.problemType() == ProblemType.REGRESSION) {
            double value = number(label);
            return Double.isNaN(value) ? null : new Prediction(canonical(label), Double.NaN);
        }
        return new Prediction(canonical(label), probability);
    }

    private List<Prediction> csv(String body) {
        List<Prediction> rows = new ArrayList<>();
        for (String line : body.split("\r?\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            String label = cell(cells, settings.inferenceAttribute());
            String probability = cell(cells, settings.probabilityAttribute());
            double p = Double.NaN;
            if (settings.probabilityAttribute() != null) {
                p = probability == null ? Double.NaN : number(probability);
                if (Double.isNaN(p)) {
                    return List.of();
                }
            }
            String predicted = settings.inferenceAttribute() != null ? label : settings.labelOf(p);
            if (predicted == null) {
                return List.of();
            }
            Prediction row = predicted(predicted, p);
            if (row == null) {
                return List.of();
            }
            rows.add(row);
        }
        return rows;
    }

    private static String cell(String[] cells, String attribute) {
        if (attribute == null || attribute.startsWith("/")) {
            return null;
        }
        int index = Integer.parseInt(attribute);
        if (index >= cells.length) {
            return null;
        }
        String cell = cells[index].trim();
        if (cell.length() >= 2 && cell.startsWith("\"") && cell.endsWith("\"")) {
            cell = cell.substring(1, cell.length() - 1);
        }
        return cell;
    }

    /** A finite number, or NaN. */
    static double number(String text) {
        try {
            double value = Double.parseDouble(text.trim());
            return Double.isFinite(value) ? value : Double.NaN;
        } catch (NumberFormatException | NullPointerException e) {
            return Double.NaN;
        }
    }

    /** A label that is a number, in one spelling: 1, 1.0 and 1e0 are the same class. */
    static String canonical(String text) {
        String trimmed = text.trim();
        if (trimmed.isEmpty() || trimmed.length() > 64) {
            return text;
        }
        try {
            BigDecimal value = new BigDecimal(trimmed).stripTrailingZeros();
            if (Math.abs(value.scale()) > 64) {
                return value.toString(); // 1e500000000 is a label, not a number to spell out in full
            }
            return value.scale() <= 0 ? value.toBigInteger().toString() : value.toPlainString();
        } catch (NumberFormatException | ArithmeticException e) {
            return text;
        }
    }
}
