package io.sagewatch.monitor.quality;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagewatch.json.Json;

/**
 * A labelled dataset for a model-quality baseline, as Model Monitor's baseline job takes one (the model's answers
 * next to the ground truth): CSV with a header naming {@code ground_truth} and {@code prediction} and/or
 * {@code probability} columns, or JSON lines with those fields. A binary row without a prediction gets the label its
 * probability stands for (the endpoint's threshold), as live answers do.
 */
public final class LabelledDataset {

    public static final int MAX_ROWS = 1_000_000;

    private LabelledDataset() {}

    public static LabelledRows read(QualitySettings settings, String text, String contentType) {
        boolean csv =
                contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/csv");
        List<String> truth = new ArrayList<>();
        List<String> predicted = new ArrayList<>();
        List<Double> probabilities = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        int[] columns = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            if (truth.size() >= MAX_ROWS) {
                throw new IllegalArgumentException("more than " + MAX_ROWS + " rows");
            }
            String t;
            String p;
            String prob;
            if (csv) {
                String[] cells = line.split(",", -1);
                if (columns == null) {
                    columns = header(cells);
                    continue;
                }
                t = cell(cells, columns[0]);
                p = cell(cells, columns[1]);
                prob = cell(cells, columns[2]);
            } else {
                JsonNode row;
                try {
                    row = Json.MAPPER.readTree(line);
                } catch (IOException e) {
                    throw new IllegalArgumentException("line " + (i + 1) + " is not JSON");
                }
                t = text(row.get("ground_truth"));
                p = text(row.get("prediction"));
                prob = text(row.get("probability"));
            }
            if (t == null) {
                throw new IllegalArgumentException("line " + (i + 1) + " has no ground_truth");
            }
            double probability = prob == null ? Double.NaN : PredictionReader.number(prob);
            if (prob != null && Double.isNaN(probability)) {
                throw new IllegalArgumentException("line " + (i + 1) + ": the probability is not a number");
            }
            if (p == null && settings.problemType() == ProblemType.BINARY && !Double.isNaN(probability)) {
                p = settings.labelOf(probability);
            }
            if (p == null) {
                throw new IllegalArgumentException("line " + (i + 1) + " has no prediction");
            }
            truth.add(PredictionReader.canonical(t));
            predicted.add(PredictionReader.canonical(p));
            probabilities.add(probability);
        }
        if (settings.problemType() == ProblemType.REGRESSION) {
            double[] tv = new double[truth.size()];
            double[] pv = new double[truth.size()];
            for (int i = 0; i < tv.length; i++) {
                tv[i] = PredictionReader.number(truth.get(i));
                pv[i] = PredictionReader.number(predicted.get(i));
                if (Double.isNaN(tv[i]) || Double.isNaN(pv[i])) {
                    throw new IllegalArgumentException("row " + (i + 1) + ": a regression's values must be numbers");
                }
            }
            return LabelledRows.regression(tv, pv);
        }
        double[] probs = probabilities.stream().mapToDouble(Double::doubleValue).toArray();
        return LabelledRows.classification(truth.toArray(String[]::new), predicted.toArray(String[]::new), probs);
    }

    private static int[] header(String[] cells) {
        int[] columns = {-1, -1, -1};
        for (int i = 0; i < cells.length; i++) {
            switch (cells[i].trim().replace("\"", "").toLowerCase(Locale.ROOT)) {
                case "ground_truth" -> columns[0] = i;
                case "prediction" -> columns[1] = i;
                case "probability" -> columns[2] = i;
                default -> {}
            }
        }
        if (columns[0] < 0 || (columns[1] < 0 && columns[2] < 0)) {
            throw new IllegalArgumentException(
                    "the CSV header must name a ground_truth column and a prediction" + " and/or probability column");
        }
        return columns;
    }

    private static String cell(String[] cells, int column) {
        if (column < 0 || column >= cells.length) {
            return null;
        }
        String cell = cells[column].trim().replace("\"", "");
        return cell.isEmpty() ? null : cell;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
