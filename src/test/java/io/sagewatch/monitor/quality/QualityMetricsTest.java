package io.sagewatch.monitor.quality;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagewatch.json.Json;
import io.sagewatch.testing.PythonScript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Every model-quality metric against scikit-learn on the same rows (to 1e-9), deviations over the same subsamples. */
class QualityMetricsTest {

    private static final double TOLERANCE = 1e-9;

    @Test
    void binaryOnASmallSetWithTiedScoresMatchesSklearnExactly() throws Exception {
        Random random = new Random(7);
        int n = 60;
        String[] truth = new String[n];
        String[] predicted = new String[n];
        double[] probabilities = new double[n];
        for (int i = 0; i < n; i++) {
            truth[i] = random.nextDouble() < 0.35 ? "1" : "0";
            // scores rounded to tenths: many ties, which AUC and the curves must count as scikit-learn does
            probabilities[i] = Math.round(Math.min(
                                    1, Math.max(0, (truth[i].equals("1") ? 0.65 : 0.4) + random.nextGaussian() * 0.25))
                            * 10)
                    / 10.0;
            predicted[i] = probabilities[i] >= 0.5 ? "1" : "0";
        }
        QualityMetrics.Result result =
                compare(ProblemType.BINARY, "1", LabelledRows.classification(truth, predicted, probabilities), 1);
        assertThat(result.scalars()).containsKey("auc");
        assertThat(result.scalars().get("recall").standardDeviation()).isNaN(); // under 200 rows
        assertThat(result.confusionMatrix().get("1").get("1")
                        + result.confusionMatrix().get("1").get("0"))
                .isEqualTo(Arrays.stream(truth).filter("1"::equals).count());
    }

    @Test
    void binaryWithDeviationsMatchesSklearnOverTheSameSubsamples() throws Exception {
        Random random = new Random(11);
        int n = 640;
        String[] truth = new String[n];
        String[] predicted = new String[n];
        double[] probabilities = new double[n];
        for (int i = 0; i < n; i++) {
            truth[i] = random.nextDouble() < 0.2 ? "yes" : "no";
            probabilities[i] = 1 / (1 + Math.exp(-((truth[i].equals("yes") ? 1.2 : -1.0) + random.nextGaussian())));
            predicted[i] = probabilities[i] >= 0.3 ? "yes" : "no";
        }
        QualityMetrics.Result result =
                compare(ProblemType.BINARY, "yes", LabelledRows.classification(truth, predicted, probabilities), 42);
        assertThat(result.scalars().get("f1").standardDeviation()).isGreaterThan(0);
        // the majority is "no": the best constant classifier never says yes
        assertThat(result.scalars().get("recall_best_constant_classifier").value())
                .isZero();
    }

    @Test
    void multiclassMatchesSklearn() throws Exception {
        Random random = new Random(3);
        int n = 450;
        String[] classes = {"cat", "dog", "bird", "fish"};
        String[] truth = new String[n];
        String[] predicted = new String[n];
        for (int i = 0; i < n; i++) {
            truth[i] = classes[Math.min(3, (int) Math.abs(random.nextGaussian() * 1.3))];
            boolean right = random.nextDouble() < 0.7 && !truth[i].equals("fish");
            predicted[i] = right ? truth[i] : classes[random.nextInt(3)]; // never "fish"
        }
        QualityMetrics.Result result =
                compare(ProblemType.MULTICLASS, null, LabelledRows.classification(truth, predicted, new double[n]), 5);
        assertThat(result.confusionMatrix()).containsKeys("bird", "cat", "dog", "fish");
        assertThat(result.confusionMatrix().get("fish").get("fish")).isZero();
    }

    @Test
    void regressionMatchesSklearn() throws Exception {
        Random random = new Random(5);
        int n = 333;
        double[] truth = new double[n];
        double[] predicted = new double[n];
        for (int i = 0; i < n; i++) {
            truth[i] = 20 + random.nextGaussian() * 5;
            predicted[i] = truth[i] * 0.9 + random.nextGaussian() * 2;
        }
        compare(ProblemType.REGRESSION, null, LabelledRows.regression(truth, predicted), 9);
        // constant ground truth: R² as scikit-learn gives it (1 when exact, else 0)
        compare(
                ProblemType.REGRESSION,
                null,
                LabelledRows.regression(new double[] {2, 2, 2}, new double[] {2, 2, 2}),
                1);
        compare(
                ProblemType.REGRESSION,
                null,
                LabelledRows.regression(new double[] {2, 2, 2}, new double[] {1, 2, 3}),
                1);
    }

    @Test
    void degenerateBinarySetsMatchSklearn() throws Exception {
        // one class only: no AUC (undefined), ratios without a denominator are 0
        QualityMetrics.Result oneClass = compare(
                ProblemType.BINARY,
                "1",
                LabelledRows.classification(
                        new String[] {"0", "0", "0"}, new String[] {"0", "1", "0"}, new double[] {0.1, 0.7, 0.2}),
                1);
        assertThat(oneClass.scalars()).doesNotContainKey("auc");
        // a tie for the most frequent label: the first in sorted order, as scikit-learn's DummyClassifier
        compare(
                ProblemType.BINARY,
                "1",
                LabelledRows.classification(
                        new String[] {"1", "0", "1", "0"},
                        new String[] {"1", "1", "0", "0"},
                        new double[] {0.9, 0.6, 0.4, 0.4}),
                1);
        // no probabilities: no AUC and no curves, the rest still there
        QualityMetrics.Result labelsOnly = compare(
                ProblemType.BINARY,
                "1",
                LabelledRows.classification(new String[] {"1", "0", "1"}, new String[] {"1", "1", "1"}, new double[] {
                    Double.NaN, Double.NaN, Double.NaN
                }),
                1);
        assertThat(labelsOnly.rocFalsePositiveRates()).isNull();
    }

    @Test
    void curvesAreThinnedOnLargeSets() {
        Random random = new Random(1);
        int n = 20_000;
        String[] truth = new String[n];
        double[] probabilities = new double[n];
        for (int i = 0; i < n; i++) {
            truth[i] = random.nextBoolean() ? "1" : "0";
            probabilities[i] = random.nextDouble();
        }
        QualityMetrics.Result result = QualityMetrics.compute(
                ProblemType.BINARY, "1", LabelledRows.classification(truth, truth.clone(), probabilities), 1);
        assertThat(result.rocTruePositiveRates()).hasSize(QualityMetrics.MAX_CURVE_POINTS);
        assertThat(result.rocTruePositiveRates()[QualityMetrics.MAX_CURVE_POINTS - 1])
                .isEqualTo(1.0);
        assertThat(result.rocFalsePositiveRates()[0]).isZero();
    }

    /** Computes the metrics here and in scikit-learn, and asserts they agree; returns ours. */
    private static QualityMetrics.Result compare(ProblemType type, String positive, LabelledRows rows, long seed)
            throws Exception {
        QualityMetrics.Result ours = QualityMetrics.compute(type, positive == null ? "1" : positive, rows, seed);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("type", type.modelMonitorName());
        request.put("positive", positive);
        if (type == ProblemType.REGRESSION) {
            request.put("truth", rows.truthValues());
            request.put("predicted", rows.predictedValues());
        } else {
            request.put("truth", rows.truth());
            request.put("predicted", rows.predicted());
            request.put("probabilities", rows.probabilitiesPresent() ? rows.probabilities() : null);
        }
        if (rows.size() >= QualityMetrics.MIN_ROWS_FOR_DEVIATION) {
            request.put("subsamples", QualityMetrics.subsamples(rows.size(), seed));
        }
        JsonNode sklearn = Json.MAPPER.readTree(
                PythonScript.runWithSklearn("quality_reference.py", Json.MAPPER.writeValueAsString(request)));
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = sklearn.path("metrics").fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        assertThat(ours.scalars().keySet()).containsExactlyInAnyOrderElementsOf(names);
        for (String name : names) {
            assertThat(ours.scalars().get(name).value())
                    .as(name)
                    .isCloseTo(sklearn.path("metrics").path(name).asDouble(), within(TOLERANCE));
            if (sklearn.has("deviations")) {
                assertThat(ours.scalars().get(name).standardDeviation())
                        .as(name + " standard deviation")
                        .isCloseTo(sklearn.path("deviations").path(name).asDouble(), within(TOLERANCE));
            }
        }
        if (sklearn.has("roc")) {
            assertCurve(ours.rocFalsePositiveRates(), sklearn.path("roc").get(0), "false positive rates");
            assertCurve(ours.rocTruePositiveRates(), sklearn.path("roc").get(1), "true positive rates");
            assertCurve(ours.precisions(), sklearn.path("pr").get(0), "precisions");
            assertCurve(ours.recalls(), sklearn.path("pr").get(1), "recalls");
        }
        return ours;
    }

    private static void assertCurve(double[] ours, JsonNode theirs, String what) {
        assertThat(ours).as(what).hasSize(theirs.size());
        for (int i = 0; i < ours.length; i++) {
            assertThat(ours[i]).as(what + "[" + i + "]").isCloseTo(theirs.get(i).asDouble(), within(TOLERANCE));
        }
    }
}
