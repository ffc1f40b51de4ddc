package io.sagewatch.monitor.check;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;

import io.sagewatch.monitor.check.ConstraintEvaluator.Options;
import io.sagewatch.monitor.check.WindowEvaluation.DriftStatus;
import io.sagewatch.monitor.check.WindowEvaluation.FeatureResult;
import io.sagewatch.monitor.features.CsvRows;
import io.sagewatch.monitor.format.ConstraintViolation;
import io.sagewatch.monitor.format.Constraints;
import io.sagewatch.monitor.format.DatasetStatistics;
import io.sagewatch.monitor.format.FeatureConstraints;
import io.sagewatch.monitor.format.ModelMonitorJson;
import io.sagewatch.monitor.format.MonitoringConfig;
import io.sagewatch.monitor.format.MonitoringConfig.CategoricalDriftMethod;
import io.sagewatch.monitor.format.MonitoringConfig.ComparisonMethod;
import io.sagewatch.monitor.stats.Distances;
import io.sagewatch.monitor.stats.WeightedValues;
import io.sagewatch.monitor.window.WindowAccumulator;
import io.sagewatch.testing.Datasets;

import static io.sagewatch.testing.Datasets.accumulate;
import static io.sagewatch.testing.Datasets.column;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ConstraintEvaluatorTest {

    private static final Options OPTIONS = new Options(30, true);
    private static final String BASELINE_DATA = Datasets.csv(5000, 100, 0);
    private static final DatasetStatistics BASELINE =
            accumulate(2048, BASELINE_DATA).toStatistics(List.of(), n -> null);
    /** The suggested constraints, written and read back as a user's file would be. */
    private static final Constraints CONSTRAINTS =
            ModelMonitorJson.readConstraints(ModelMonitorJson.writeConstraints(ConstraintSuggestion.suggest(BASELINE)));

    private static WindowEvaluation evaluate(Constraints constraints, WindowAccumulator window) {
        return ConstraintEvaluator.evaluate(BASELINE, constraints, window, OPTIONS);
    }

    private static FeatureResult feature(WindowEvaluation evaluation, String name) {
        return evaluation.features().stream()
                .filter(f -> f.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void theSuggestedConstraintsAreModelMonitors() {
        assertThat(CONSTRAINTS.feature("age").isNonNegative()).isTrue();
        assertThat(CONSTRAINTS.feature("income").completeness()).isLessThan(1.0).isGreaterThan(0.95);
        assertThat(CONSTRAINTS.feature("color").domains()).containsExactlyInAnyOrder("red", "blue", "green");
        assertThat(CONSTRAINTS.monitoringConfig()).isEqualTo(MonitoringConfig.DEFAULTS);
    }

    @Test
    void aWindowLikeTheBaselineHasNoViolation() {
        WindowEvaluation evaluation = evaluate(CONSTRAINTS, accumulate(200, Datasets.csv(2000, 7, 0)));
        assertThat(evaluation.enoughData()).isTrue();
        assertThat(evaluation.violations()).isEmpty();
        FeatureResult age = feature(evaluation, "age");
        assertThat(age.status()).isEqualTo(DriftStatus.MEASURED);
        assertThat(age.driftMethod()).isEqualTo("Robust");
        assertThat(age.drift()).isZero(); // within sampling noise: the robust correction takes it all
        assertThat(age.psi()).isLessThan(0.1);
        assertThat(feature(evaluation, "color").drift()).isZero();
    }

    @Test
    void aShiftedFeatureDriftsByTheKolmogorovSmirnovDistance() {
        String window = Datasets.csv(2000, 8, 6);
        WindowAccumulator accumulator = accumulate(200, window);
        WindowEvaluation evaluation = evaluate(CONSTRAINTS, accumulator);
        FeatureResult age = feature(evaluation, "age");
        double simple = WeightedValues.linfDistance(
                WeightedValues.ofSample(column(BASELINE_DATA, 0)), WeightedValues.ofSample(column(window, 0)));
        double expected = Distances.robust(simple, 5000, 2000);
        double bound = KllDoublesSketch.getNormalizedRankError(200, false)
                + KllDoublesSketch.getNormalizedRankError(2048, false);
        assertThat(age.drift()).isCloseTo(expected, within(bound)).isGreaterThan(0.1);
        assertThat(age.psi()).isGreaterThan(0.25);
        assertThat(age.jensenShannon()).isBetween(0.1, 1.0);
        assertThat(evaluation.violations()).hasSize(1);
        ConstraintViolation violation = evaluation.violations().get(0);
        assertThat(violation.featureName()).isEqualTo("age");
        assertThat(violation.constraintCheckType()).isEqualTo(ConstraintViolation.BASELINE_DRIFT_CHECK);
        Matcher matcher =
                Pattern.compile("distance: (.+) exceeds threshold: (.+)").matcher(violation.description());
        assertThat(matcher.find()).isTrue();
        assertThat(Double.parseDouble(matcher.group(1))).isEqualTo(age.drift());
        assertThat(Double.parseDouble(matcher.group(2))).isEqualTo(0.1);
    }

    @Test
    void simpleComparisonKeepsTheNoiseThatRobustRemoves() {
        Constraints simple = withConfig(new MonitoringConfig(
                true, true, 1.0, 1.0, true, 0.01, ComparisonMethod.SIMPLE, 0.01, CategoricalDriftMethod.L_INFINITY));
        WindowEvaluation evaluation = evaluate(simple, accumulate(200, Datasets.csv(300, 9, 0)));
        FeatureResult age = feature(evaluation, "age");
        assertThat(age.driftMethod()).isEqualTo("Simple");
        assertThat(age.drift()).isGreaterThan(0.01);
        assertThat(evaluation.violations())
                .extracting(ConstraintViolation::featureName)
                .contains("age");
    }

    @Test
    void newCategoriesBreakTheDomainAndDriftBothWays() {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            csv.append("40,20000.5,").append(i % 3 == 0 ? "purple" : "red").append('\n');
        }
        WindowAccumulator window = accumulate(200, csv.toString());
        WindowEvaluation linf = evaluate(CONSTRAINTS, window);
        assertThat(linf.violations())
                .extracting(ConstraintViolation::featureName, ConstraintViolation::constraintCheckType)
                .contains(
                        org.assertj.core.groups.Tuple.tuple("color", ConstraintViolation.CATEGORICAL_VALUES_CHECK),
                        org.assertj.core.groups.Tuple.tuple("color", ConstraintViolation.BASELINE_DRIFT_CHECK));
        assertThat(linf.violations().stream()
                        .filter(v -> v.constraintCheckType().equals("categorical_values_check"))
                        .findFirst()
                        .orElseThrow()
                        .description())
                .startsWith("Value: 0.666 ");
        Constraints chiSquared = withConfig(new MonitoringConfig(
                true, true, 1.0, 1.0, true, 0.1, ComparisonMethod.ROBUST, 0.05, CategoricalDriftMethod.CHI_SQUARED));
        FeatureResult color = feature(evaluate(chiSquared, window), "color");
        assertThat(color.driftMethod()).isEqualTo("ChiSquared");
        assertThat(color.drift()).isLessThan(1e-6);
    }

    @Test
    void qualityChecksNameTheFeatureAndTheShortfall() {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            String age = i < 10 ? "unknown" : i < 12 ? "-3" : "35";
            String income = i % 5 == 0 ? "" : "1000.5";
            csv.append(age)
                    .append(',')
                    .append(income)
                    .append(",red")
                    .append(i == 99 ? ",extra" : "")
                    .append('\n');
        }
        WindowEvaluation evaluation = evaluate(CONSTRAINTS, accumulate(200, csv.toString()));
        assertThat(evaluation.violations())
                .extracting(ConstraintViolation::featureName, ConstraintViolation::constraintCheckType)
                .contains(
                        org.assertj.core.groups.Tuple.tuple("age", ConstraintViolation.DATA_TYPE_CHECK),
                        org.assertj.core.groups.Tuple.tuple("age", ConstraintViolation.NON_NEGATIVE_CHECK),
                        org.assertj.core.groups.Tuple.tuple("income", ConstraintViolation.COMPLETENESS_CHECK),
                        org.assertj.core.groups.Tuple.tuple("_c3", ConstraintViolation.EXTRA_COLUMN_CHECK));
        assertThat(description(evaluation, "age", ConstraintViolation.DATA_TYPE_CHECK))
                .isEqualTo(
                        "Data type match requirement is not met. Expected data type: Integral, Expected match: 100.0%."
                                + " Observed: Only 90.0% of data is Integral.");
        assertThat(description(evaluation, "income", ConstraintViolation.COMPLETENESS_CHECK))
                .startsWith("Data completeness requirement is not met. Expected: 9")
                .endsWith("Observed: Only 80.0%.");
    }

    @Test
    void aColumnNoRowHasIsMissing() {
        WindowAccumulator window = new WindowAccumulator(200);
        new CsvRows(List.of("age", "income", "color"))
                .extract("30,1.5\n".repeat(50).getBytes(StandardCharsets.UTF_8), window);
        WindowEvaluation evaluation = evaluate(CONSTRAINTS, window);
        assertThat(evaluation.violations())
                .extracting(ConstraintViolation::featureName, ConstraintViolation::constraintCheckType)
                .contains(org.assertj.core.groups.Tuple.tuple("color", ConstraintViolation.MISSING_COLUMN_CHECK))
                .doesNotContain(org.assertj.core.groups.Tuple.tuple("color", ConstraintViolation.COMPLETENESS_CHECK));
    }

    @Test
    void aFeatureTheBaselineLacksIsInTheStatisticsButNotJudged() {
        WindowAccumulator window = accumulate(200, Datasets.csv(500, 13, 0));
        for (int i = 0; i < 500; i++) {
            window.number("discount", i % 7 * 0.05, false, Double.toString(i % 7 * 0.05));
        }
        WindowEvaluation evaluation = evaluate(CONSTRAINTS, window);
        assertThat(evaluation.features()).extracting(FeatureResult::name).containsExactly("age", "income", "color");
        assertThat(evaluation.violations()).isEmpty();
        DatasetStatistics statistics = window.toStatistics(List.of("age", "income", "color"), name -> null);
        assertThat(statistics.features().get(3).name()).isEqualTo("discount");
        assertThat(statistics.feature("discount").numPresent()).isEqualTo(500);
    }

    @Test
    void jsonFieldsLeftOutOfRowsAreMissingThereAndAFieldNoRowHasIsAMissingColumn() {
        WindowAccumulator window = new WindowAccumulator(200);
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            // every scalar field is a feature (no pointers): "age" in 5 rows of 50, "color" in none
            lines.append(i % 10 == 0 ? "{\"age\": 44, \"income\": 20000.5}\n" : "{\"income\": 20000.5}\n");
        }
        new io.sagewatch.monitor.features.JsonRows(Map.of(), null, true)
                .extract(lines.toString().getBytes(StandardCharsets.UTF_8), window);
        WindowEvaluation evaluation = evaluate(CONSTRAINTS, window);
        assertThat(feature(evaluation, "age").completeness()).isEqualTo(0.1);
        assertThat(evaluation.violations())
                .extracting(ConstraintViolation::featureName, ConstraintViolation::constraintCheckType)
                .contains(
                        org.assertj.core.groups.Tuple.tuple("age", ConstraintViolation.COMPLETENESS_CHECK),
                        org.assertj.core.groups.Tuple.tuple("color", ConstraintViolation.MISSING_COLUMN_CHECK));
        // and the window's statistics say so too
        assertThat(window.toStatistics(List.of(), name -> null).feature("age").numMissing())
                .isEqualTo(45);
    }

    @Test
    void belowTheMinimumSampleAWindowSaysNotEnoughData() {
        WindowEvaluation evaluation = evaluate(CONSTRAINTS, accumulate(200, Datasets.csv(10, 11, 30)));
        assertThat(evaluation.enoughData()).isFalse();
        assertThat(evaluation.violations()).isEmpty();
        assertThat(feature(evaluation, "age").status()).isEqualTo(DriftStatus.NOT_ENOUGH_DATA);
        assertThat(feature(evaluation, "age").drift()).isNaN();
    }

    @Test
    void aFeatureWhoseConstraintsAreDisabledIsNotJudged() {
        List<FeatureConstraints> features = CONSTRAINTS.features().stream()
                .map(f -> f.name().equals("age")
                        ? new FeatureConstraints(
                                f.name(),
                                f.inferredType(),
                                f.completeness(),
                                f.isNonNegative(),
                                f.domains(),
                                Map.of("evaluate_constraints", "Disabled"),
                                new MonitoringConfig(
                                        false,
                                        true,
                                        1.0,
                                        1.0,
                                        true,
                                        0.1,
                                        ComparisonMethod.ROBUST,
                                        0.1,
                                        CategoricalDriftMethod.L_INFINITY))
                        : f)
                .toList();
        WindowEvaluation evaluation = evaluate(
                new Constraints(features, CONSTRAINTS.monitoringConfig()), accumulate(200, Datasets.csv(2000, 12, 20)));
        assertThat(feature(evaluation, "age").drift()).isGreaterThan(0.5); // still measured and published
        assertThat(evaluation.violations())
                .extracting(ConstraintViolation::featureName)
                .doesNotContain("age");
    }

    private static String description(WindowEvaluation evaluation, String feature, String check) {
        return evaluation.violations().stream()
                .filter(v -> v.featureName().equals(feature)
                        && v.constraintCheckType().equals(check))
                .findFirst()
                .orElseThrow()
                .description();
    }

    private static Constraints withConfig(MonitoringConfig config) {
        return new Constraints(
                CONSTRAINTS.features().stream()
                        .map(f -> new FeatureConstraints(
                                f.name(),
                                f.inferredType(),
                                f.completeness(),
                                f.isNonNegative(),
                                f.domains(),
                                f.overrides(),
                                config))
                        .toList(),
                config);
    }
}
