package io.sagewatch.monitor.quality;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Model Monitor's model-quality metrics of labelled rows, under its names (docs/model-quality-formats.md): binary
 * (confusion matrix, accuracy, precision, recall, F0.5/F1/F2, the four rates, AUC, ROC and precision-recall curves, the
 * best constant classifier's), multiclass (confusion matrix, accuracy, support-weighted precision/recall/F-scores and
 * the best constant classifier's) and regression (MAE, MSE, RMSE, R²). Conventions are scikit-learn's where Model Monitor
 * says nothing: a ratio whose denominator is 0 is 0; R² of constant ground truth is 1 when predicted exactly, else 0.
 *
 * <p>Standard deviations are Model Monitor's documented method: the metric over 5 random 80 % subsamples (without
 * replacement, seeded, so an evaluation is repeatable), their population standard deviation; below
 * {@value #MIN_ROWS_FOR_DEVIATION} rows none ("NaN").
 */
public final class QualityMetrics {

    public static final int MIN_ROWS_FOR_DEVIATION = 200;
    static final int SUBSAMPLES = 5;
    /** Curves hold at most this many points (every distinct threshold below it; evenly thinned above it). */
    static final int MAX_CURVE_POINTS = 1001;

    /** One scalar metric as Model Monitor writes it; deviation NaN when not computed. */
    public record Metric(double value, double standardDeviation) {}

    /**
     * The metrics of one set of rows.
     *
     * @param scalars every scalar metric, in Model Monitor's order
     * @param confusionMatrix [actual][predicted] counts (classification)
     * @param rocFalsePositiveRates the ROC curve (binary with probabilities), else null
     * @param precisions the precision-recall curve (binary with probabilities), else null
     */
    public record Result(
            ProblemType type,
            int rows,
            Map<String, Metric> scalars,
            Map<String, Map<String, Long>> confusionMatrix,
            double[] rocFalsePositiveRates,
            double[] rocTruePositiveRates,
            double[] precisions,
            double[] recalls) {}

    private QualityMetrics() {}

    public static Result compute(ProblemType type, String positiveLabel, LabelledRows rows, long seed) {
        Map<String, Double> values = scalars(type, positiveLabel, rows);
        Map<String, double[]> samples = new HashMap<>();
        if (rows.size() >= MIN_ROWS_FOR_DEVIATION) {
            int[][] subsamples = subsamples(rows.size(), seed);
            for (int s = 0; s < subsamples.length; s++) {
                Map<String, Double> sample = scalars(type, positiveLabel, rows.subset(subsamples[s]));
                for (String name : values.keySet()) {
                    // a subsample without a figure (AUC of one class only) leaves it out of the deviation
                    samples.computeIfAbsent(name, k -> filled(Double.NaN))[s] = sample.getOrDefault(name, Double.NaN);
                }
            }
        }
        Map<String, Metric> scalars = new LinkedHashMap<>();
        values.forEach((name, value) -> scalars.put(
                name, new Metric(value, samples.containsKey(name) ? deviation(samples.get(name)) : Double.NaN)));
        Map<String, Map<String, Long>> matrix = type == ProblemType.REGRESSION ? null : confusion(rows);
        boolean[] actual = type == ProblemType.BINARY ? positives(rows.truth(), positiveLabel) : null;
        if (type == ProblemType.BINARY && rows.probabilitiesPresent() && bothClasses(actual)) {
            Curve curve = Curve.of(actual, rows.probabilities());
            return new Result(type, rows.size(), scalars, matrix, curve.fpr, curve.tpr, curve.precision, curve.recall);
        }
        return new Result(type, rows.size(), scalars, matrix, null, null, null, null);
    }

    /** The subsamples the deviations are computed over: 5 × 80 % of the rows, drawn without replacement. */
    static int[][] subsamples(int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int take = (int) Math.floor(rows * 0.8);
        int[][] subsamples = new int[SUBSAMPLES][];
        int[] order = new int[rows];
        for (int s = 0; s < SUBSAMPLES; s++) {
            for (int i = 0; i < rows; i++) {
                order[i] = i;
            }
            for (int i = 0; i < take; i++) { // a partial Fisher-Yates shuffle
                int j = i + random.nextInt(rows - i);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            subsamples[s] = Arrays.copyOf(order, take);
            Arrays.sort(subsamples[s]);
        }
        return subsamples;
    }

    /** The population deviation of the finite values; NaN with fewer than two. */
    static double deviation(double[] values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).toArray();
        if (finite.length < 2) {
            return Double.NaN;
        }
        double mean = 0;
        for (double v : finite) {
            mean += v;
        }
        mean /= finite.length;
        double squares = 0;
        for (double v : finite) {
            squares += (v - mean) * (v - mean);
        }
        return Math.sqrt(squares / finite.length);
    }

    private static double[] filled(double value) {
        double[] values = new double[SUBSAMPLES];
        Arrays.fill(values, value);
        return values;
    }

    static Map<String, Double> scalars(ProblemType type, String positiveLabel, LabelledRows rows) {
        return switch (type) {
            case BINARY -> binary(positiveLabel, rows);
            case MULTICLASS -> multiclass(rows);
            case REGRESSION -> regression(rows);
        };
    }

    // ---- binary -----------------------------------------------------------------------------------------------------

    private static Map<String, Double> binary(String positiveLabel, LabelledRows rows) {
        boolean[] actual = positives(rows.truth(), positiveLabel);
        boolean[] predicted = positives(rows.predicted(), positiveLabel);
        long tp = 0, fp = 0, fn = 0, tn = 0;
        for (int i = 0; i < actual.length; i++) {
            if (predicted[i]) {
                if (actual[i]) tp++;
                else fp++;
            } else {
                if (actual[i]) fn++;
                else tn++;
            }
        }
        // the best constant classifier always predicts the most frequent ground truth (the real container's output)
        boolean constantPositive = positiveLabel.equals(mostFrequent(rows.truth()));
        long cTp = constantPositive ? tp + fn : 0;
        long cFp = constantPositive ? fp + tn : 0;
        long cFn = constantPositive ? 0 : tp + fn;
        long cTn = constantPositive ? 0 : fp + tn;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("recall", ratio(tp, tp + fn));
        m.put("precision", ratio(tp, tp + fp));
        m.put("accuracy", ratio(tp + tn, actual.length));
        m.put("recall_best_constant_classifier", ratio(cTp, cTp + cFn));
        m.put("precision_best_constant_classifier", ratio(cTp, cTp + cFp));
        m.put("accuracy_best_constant_classifier", ratio(cTp + cTn, actual.length));
        m.put("true_positive_rate", ratio(tp, tp + fn));
        m.put("true_negative_rate", ratio(tn, tn + fp));
        m.put("false_positive_rate", ratio(fp, fp + tn));
        m.put("false_negative_rate", ratio(fn, fn + tp));
        m.put("auc", rows.probabilitiesPresent() ? auc(actual, rows.probabilities()) : Double.NaN);
        m.put("f0_5", fBeta(0.5, tp, fp, fn));
        m.put("f1", fBeta(1, tp, fp, fn));
        m.put("f2", fBeta(2, tp, fp, fn));
        m.put("f0_5_best_constant_classifier", fBeta(0.5, cTp, cFp, cFn));
        m.put("f1_best_constant_classifier", fBeta(1, cTp, cFp, cFn));
        m.put("f2_best_constant_classifier", fBeta(2, cTp, cFp, cFn));
        if (m.get("auc").isNaN()) {
            m.remove("auc"); // no probabilities, or one class only: undefined, left out as scikit-learn refuses it
        }
        return m;
    }

    /** ROC and precision-recall need a positive and a negative row. */
    private static boolean bothClasses(boolean[] actual) {
        boolean positive = false;
        boolean negative = false;
        for (boolean a : actual) {
            positive |= a;
            negative |= !a;
        }
        return positive && negative;
    }

    private static boolean[] positives(String[] labels, String positiveLabel) {
        boolean[] positive = new boolean[labels.length];
        for (int i = 0; i < labels.length; i++) {
            positive[i] = positiveLabel.equals(labels[i]);
        }
        return positive;
    }

    /** The area under the ROC curve, exactly: the Mann-Whitney statistic with tied scores counted half. */
    static double auc(boolean[] actual, double[] scores) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        long positives = 0;
        for (boolean a : actual) {
            if (a) positives++;
        }
        long negatives = actual.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        // sum of the positives' ranks (1-based, ties given their average rank)
        double rankSum = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (actual[order[k]]) {
                    rankSum += averageRank;
                }
            }
            i = j + 1;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /** ROC and precision-recall points at each distinct score, from the highest (scikit-learn's points). */
    private record Curve(double[] fpr, double[] tpr, double[] precision, double[] recall) {

        static Curve of(boolean[] actual, double[] scores) {
            Integer[] order = new Integer[scores.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
            long positives = 0;
            for (boolean a : actual) {
                if (a) positives++;
            }
            long negatives = actual.length - positives;
            List<double[]> points = new ArrayList<>(); // tp, fp at each distinct threshold
            long tp = 0, fp = 0;
            for (int i = 0; i < order.length; i++) {
                if (actual[order[i]]) tp++;
                else fp++;
                if (i + 1 == order.length || scores[order[i + 1]] != scores[order[i]]) {
                    points.add(new double[] {tp, fp});
                }
            }
            points = thinned(points);
            int n = points.size();
            double[] fpr = new double[n + 1];
            double[] tpr = new double[n + 1];
            double[] precision = new double[n + 1];
            double[] recall = new double[n + 1];
            precision[0] = 1; // recall 0: scikit-learn's closing point, first here
            for (int i = 0; i < n; i++) {
                double pTp = points.get(i)[0];
                double pFp = points.get(i)[1];
                fpr[i + 1] = negatives == 0 ? Double.NaN : pFp / negatives;
                tpr[i + 1] = positives == 0 ? Double.NaN : pTp / positives;
                precision[i + 1] = pTp + pFp == 0 ? 0 : pTp / (pTp + pFp);
                recall[i + 1] = positives == 0 ? 1 : pTp / positives;
            }
            if (negatives == 0) fpr[0] = Double.NaN;
            if (positives == 0) {
                tpr[0] = Double.NaN;
                recall[0] = 1;
            }
            return new Curve(fpr, tpr, precision, recall);
        }

        /** At most MAX_CURVE_POINTS - 1 thresholds: evenly spaced ones, always the last (the whole set). */
        private static List<double[]> thinned(List<double[]> points) {
            int most = MAX_CURVE_POINTS - 1;
            if (points.size() <= most) {
                return points;
            }
            List<double[]> kept = new ArrayList<>(most);
            for (int i = 1; i <= most; i++) {
                kept.add(points.get((int) ((long) i * points.size() / most) - 1));
            }
            return kept;
        }
    }

    // ---- multiclass -------------------------------------------------------------------------------------------------

    private static Map<String, Double> multiclass(LabelledRows rows) {
        String constant = mostFrequent(rows.truth());
        String[] constantPredictions = new String[rows.size()];
        Arrays.fill(constantPredictions, constant);
        double[] own = weighted(rows.truth(), rows.predicted());
        double[] best = weighted(rows.truth(), constantPredictions);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("accuracy", own[0]);
        m.put("weighted_recall", own[1]);
        m.put("weighted_precision", own[2]);
        m.put("weighted_f0_5", own[3]);
        m.put("weighted_f1", own[4]);
        m.put("weighted_f2", own[5]);
        m.put("accuracy_best_constant_classifier", best[0]);
        m.put("weighted_recall_best_constant_classifier", best[1]);
        m.put("weighted_precision_best_constant_classifier", best[2]);
        m.put("weighted_f0_5_best_constant_classifier", best[3]);
        m.put("weighted_f1_best_constant_classifier", best[4]);
        m.put("weighted_f2_best_constant_classifier", best[5]);
        return m;
    }

    /** Accuracy, then recall, precision, F0.5, F1, F2 averaged over the classes weighted by their support. */
    private static double[] weighted(String[] truth, String[] predicted) {
        Map<String, long[]> counts = new HashMap<>(); // support, predicted, true positives
        long correct = 0;
        for (int i = 0; i < truth.length; i++) {
            counts.computeIfAbsent(truth[i], k -> new long[3])[0]++;
            counts.computeIfAbsent(predicted[i], k -> new long[3])[1]++;
            if (truth[i].equals(predicted[i])) {
                counts.get(truth[i])[2]++;
                correct++;
            }
        }
        double n = truth.length;
        double[] out = new double[6];
        out[0] = n == 0 ? 0 : correct / n;
        for (long[] c : counts.values()) {
            if (c[0] == 0) {
                continue; // weight 0
            }
            double weight = c[0] / n;
            long tp = c[2], fp = c[1] - c[2], fn = c[0] - c[2];
            out[1] += weight * ratio(tp, tp + fn);
            out[2] += weight * ratio(tp, tp + fp);
            out[3] += weight * fBeta(0.5, tp, fp, fn);
            out[4] += weight * fBeta(1, tp, fp, fn);
            out[5] += weight * fBeta(2, tp, fp, fn);
        }
        return out;
    }

    // ---- regression -------------------------------------------------------------------------------------------------

    private static Map<String, Double> regression(LabelledRows rows) {
        double[] truth = rows.truthValues();
        double[] predicted = rows.predictedValues();
        int n = truth.length;
        double absolute = 0, squared = 0, mean = 0;
        for (int i = 0; i < n; i++) {
            double error = truth[i] - predicted[i];
            absolute += Math.abs(error);
            squared += error * error;
            mean += truth[i];
        }
        mean /= n;
        double total = 0;
        for (double t : truth) {
            total += (t - mean) * (t - mean);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        double mse = n == 0 ? Double.NaN : squared / n;
        m.put("mae", n == 0 ? Double.NaN : absolute / n);
        m.put("mse", mse);
        m.put("rmse", Math.sqrt(mse));
        m.put("r2", n == 0 ? Double.NaN : total == 0 ? (squared == 0 ? 1.0 : 0.0) : 1 - squared / total);
        return m;
    }

    // ---- shared -----------------------------------------------------------------------------------------------------

    private static Map<String, Map<String, Long>> confusion(LabelledRows rows) {
        TreeSet<String> labels = new TreeSet<>(Arrays.asList(rows.truth()));
        labels.addAll(Arrays.asList(rows.predicted()));
        Map<String, Map<String, Long>> matrix = new LinkedHashMap<>();
        for (String actual : labels) {
            Map<String, Long> row = new LinkedHashMap<>();
            for (String predicted : labels) {
                row.put(predicted, 0L);
            }
            matrix.put(actual, row);
        }
        for (int i = 0; i < rows.size(); i++) {
            matrix.get(rows.truth()[i]).merge(rows.predicted()[i], 1L, Long::sum);
        }
        return matrix;
    }

    /** The most frequent label; on a tie the first in sorted order (scikit-learn's DummyClassifier, most_frequent). */
    static String mostFrequent(String[] labels) {
        Map<String, Long> counts = new TreeMap<>();
        for (String label : labels) {
            counts.merge(label, 1L, Long::sum);
        }
        String best = null;
        long most = -1;
        for (Map.Entry<String, Long> count : counts.entrySet()) {
            if (count.getValue() > most) {
                best = count.getKey();
                most = count.getValue();
            }
        }
        return best;
    }

    private static double ratio(long numerator, long denominator) {
        return denominator == 0 ? 0 : (double) numerator / denominator;
    }

    private static double fBeta(double beta, long tp, long fp, long fn) {
        double b2 = beta * beta;
        double denominator = (1 + b2) * tp + b2 * fn + fp;
        return denominator == 0 ? 0 : (1 + b2) * tp / denominator;
    }
}
