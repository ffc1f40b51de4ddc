package io.sagewatch.monitor.quality;

import java.util.Arrays;

/**
 * A window's labelled rows, as evaluated: each row's ground truth, prediction and (binary) probability. Regression
 * rows hold numbers in {@code truthValues} and {@code predictedValues}; classification rows hold labels.
 */
public record LabelledRows(
        String[] truth, String[] predicted, double[] probabilities, double[] truthValues, double[] predictedValues) {

    public static LabelledRows classification(String[] truth, String[] predicted, double[] probabilities) {
        return new LabelledRows(truth, predicted, probabilities, null, null);
    }

    public static LabelledRows regression(double[] truth, double[] predicted) {
        return new LabelledRows(null, null, null, truth, predicted);
    }

    public int size() {
        return truth != null ? truth.length : truthValues.length;
    }

    /** The rows at these indices. */
    LabelledRows subset(int[] rows) {
        if (truth == null) {
            double[] t = new double[rows.length];
            double[] p = new double[rows.length];
            for (int i = 0; i < rows.length; i++) {
                t[i] = truthValues[rows[i]];
                p[i] = predictedValues[rows[i]];
            }
            return regression(t, p);
        }
        String[] t = new String[rows.length];
        String[] p = new String[rows.length];
        double[] prob = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            t[i] = truth[rows[i]];
            p[i] = predicted[rows[i]];
            prob[i] = probabilities[rows[i]];
        }
        return classification(t, p, prob);
    }

    /** Whether every row has a probability (binary AUC and curves need them). */
    boolean probabilitiesPresent() {
        return probabilities != null
                && size() > 0
                && Arrays.stream(probabilities).noneMatch(Double::isNaN);
    }
}
