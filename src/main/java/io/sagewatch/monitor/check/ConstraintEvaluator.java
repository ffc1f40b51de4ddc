package io.sagewatch.monitor.check;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.sagewatch.monitor.check.WindowEvaluation.DriftStatus;
import io.sagewatch.monitor.check.WindowEvaluation.FeatureResult;
import io.sagewatch.monitor.format.ConstraintViolation;
import io.sagewatch.monitor.format.Constraints;
import io.sagewatch.monitor.format.DatasetStatistics;
import io.sagewatch.monitor.format.FeatureConstraints;
import io.sagewatch.monitor.format.FeatureStatistics;
import io.sagewatch.monitor.format.FeatureType;
import io.sagewatch.monitor.format.MonitoringConfig;
import io.sagewatch.monitor.format.MonitoringConfig.CategoricalDriftMethod;
import io.sagewatch.monitor.format.MonitoringConfig.ComparisonMethod;
import io.sagewatch.monitor.format.NumericStatistics;
import io.sagewatch.monitor.stats.Distances;
import io.sagewatch.monitor.stats.WeightedValues;
import io.sagewatch.monitor.window.FeatureAccumulator;
import io.sagewatch.monitor.window.WindowAccumulator;

/**
 * Judges a window against a baseline with Model Monitor's checks and their semantics: data type, completeness,
 * baseline drift (L-infinity between the distributions, Simple or Robust; categorical L-infinity or chi-squared),
 * missing and extra columns, values outside the baseline's domain, and non-negativity.
 */
public final class ConstraintEvaluator {

    /**
     * @param minSamples below this many rows a window, and below this many values a feature, has no drift value and no
     *     violation ("not enough data")
     * @param bucketDistances also compute PSI and Jensen–Shannon over the baseline's buckets
     */
    public record Options(long minSamples, boolean bucketDistances) {}

    private ConstraintEvaluator() {}

    public static WindowEvaluation evaluate(
            DatasetStatistics baseline, Constraints constraints, WindowAccumulator window, Options options) {
        boolean enoughData = window.rows() >= Math.max(1, options.minSamples());
        List<ConstraintViolation> violations = new ArrayList<>();
        List<FeatureResult> results = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        constraints.features().forEach(feature -> names.add(feature.name()));
        baseline.features().forEach(feature -> names.add(feature.name()));
        for (String name : names) {
            FeatureConstraints constraint = constraints.feature(name);
            FeatureStatistics expected = baseline.feature(name);
            MonitoringConfig config = constraint != null ? constraint.monitoring() : constraints.monitoringConfig();
            FeatureType type = constraint != null ? constraint.inferredType() : expected.inferredType();
            FeatureAccumulator observed = window.featureOverRows(name);
            FeatureResult result = drift(name, type, expected, observed, config, options);
            results.add(result);
            if (enoughData && config.evaluateConstraints()) {
                // a column the baseline never had a value in is not missing when the window has none either
                boolean baselineHadIt = expected == null || expected.numPresent() > 0;
                check(name, type, constraint, observed, config, window.rows(), baselineHadIt, violations);
                if (result.status() == DriftStatus.MEASURED && driftExceeds(result, type, config)) {
                    violations.add(driftViolation(name, result, type, config));
                }
            }
        }
        if (enoughData
                && window.rowsWithExtraColumns() > 0
                && constraints.monitoringConfig().evaluateConstraints()) {
            violations.add(new ConstraintViolation(
                    "_c" + names.size(),
                    ConstraintViolation.EXTRA_COLUMN_CHECK,
                    "Extra column check failed. Expected: " + names.size() + " columns. Observed: "
                            + window.rowsWithExtraColumns() + " of " + window.rows() + " rows had up to "
                            + window.mostExtraColumns() + " more."));
        }
        return new WindowEvaluation(window.rows(), enoughData, List.copyOf(results), List.copyOf(violations));
    }

    private static void check(
            String name,
            FeatureType type,
            FeatureConstraints constraint,
            FeatureAccumulator observed,
            MonitoringConfig config,
            long rows,
            boolean baselineHadIt,
            List<ConstraintViolation> violations) {
        if (observed.absent() == rows && !baselineHadIt) {
            return;
        }
        if (observed.absent() == rows) {
            violations.add(new ConstraintViolation(
                    name,
                    ConstraintViolation.MISSING_COLUMN_CHECK,
                    "Missing column check failed. The baseline's column '" + name + "' is not in the data."));
            return;
        }
        if (observed.present() > 0 && type != FeatureType.UNKNOWN) {
            double match = (double) observed.matching(type) / observed.present();
            if (match < config.datatypeCheckThreshold()) {
                violations.add(new ConstraintViolation(
                        name,
                        ConstraintViolation.DATA_TYPE_CHECK,
                        "Data type match requirement is not met. Expected data type: " + type.modelMonitorName()
                                + ", Expected match: " + percent(config.datatypeCheckThreshold())
                                + "%. Observed: Only " + percent(match) + "% of data is " + type.modelMonitorName()
                                + "."));
            }
        }
        if (constraint == null) {
            return;
        }
        if (constraint.completeness() != null && observed.rows() > 0) {
            double completeness = (double) observed.present() / observed.rows();
            if (completeness < constraint.completeness()) {
                violations.add(new ConstraintViolation(
                        name,
                        ConstraintViolation.COMPLETENESS_CHECK,
                        "Data completeness requirement is not met. Expected: " + percent(constraint.completeness())
                                + "%. Observed: Only " + percent(completeness) + "%."));
            }
        }
        if (Boolean.TRUE.equals(constraint.isNonNegative()) && observed.min() < 0) {
            violations.add(new ConstraintViolation(
                    name,
                    ConstraintViolation.NON_NEGATIVE_CHECK,
                    "Non-negativity requirement is not met. Observed minimum: " + observed.min()));
        }
        if (constraint.domains() != null && type == FeatureType.STRING && observed.present() > 0) {
            Set<String> domain = Set.copyOf(constraint.domains());
            double inDomain = 0;
            for (Map.Entry<String, Double> category : observed.categories().entrySet()) {
                if (domain.contains(category.getKey())) {
                    inDomain += category.getValue();
                }
            }
            double share = Math.min(1, inDomain / observed.present());
            if (share < config.domainContentThreshold()) {
                violations.add(new ConstraintViolation(
                        name,
                        ConstraintViolation.CATEGORICAL_VALUES_CHECK,
                        "Value: " + share + " does not meet the constraint requirement! Only " + percent(share)
                                + "% of values are in the baseline's domain; expected at least "
                                + percent(config.domainContentThreshold()) + "%."));
            }
        }
    }

    private static FeatureResult drift(
            String name,
            FeatureType type,
            FeatureStatistics expected,
            FeatureAccumulator observed,
            MonitoringConfig config,
            Options options) {
        double completeness = observed.rows() == 0 ? Double.NaN : (double) observed.present() / observed.rows();
        DriftStatus status;
        double drift = Double.NaN;
        String method = null;
        double psi = Double.NaN;
        double js = Double.NaN;
        if (!config.performComparison()) {
            status = DriftStatus.DISABLED;
        } else if (expected == null || expected.numPresent() == 0) {
            status = DriftStatus.NO_BASELINE_DISTRIBUTION;
        } else if (type.isNumeric()) {
            WeightedValues values = observed.numbers();
            NumericStatistics baseline = expected.numeric();
            if (baseline == null || baseline.sketch().isEmpty()) {
                status = DriftStatus.NO_BASELINE_DISTRIBUTION;
            } else if (values.total() == 0 && observed.present() > 0) {
                status = DriftStatus.TYPE_MISMATCH;
            } else if (values.total() < Math.max(1, options.minSamples())) {
                status = DriftStatus.NOT_ENOUGH_DATA;
            } else {
                status = DriftStatus.MEASURED;
                double simple = WeightedValues.linfDistance(baseline.sketch(), values);
                method = config.comparisonMethod().modelMonitorName();
                drift = config.comparisonMethod() == ComparisonMethod.ROBUST
                        ? Distances.robust(simple, baseline.sketch().total(), values.total())
                        : simple;
                if (options.bucketDistances() && !baseline.buckets().isEmpty()) {
                    double[][] cells = bucketCells(baseline, values);
                    psi = Distances.psi(cells[0], cells[1]);
                    js = Distances.jensenShannon(cells[0], cells[1]);
                }
            }
        } else if (type == FeatureType.STRING) {
            Map<String, Double> baseline =
                    expected.string() == null ? null : expected.string().categories();
            if (baseline == null || baseline.isEmpty()) {
                status = DriftStatus.NO_BASELINE_DISTRIBUTION;
            } else if (observed.present() < Math.max(1, options.minSamples())) {
                status = DriftStatus.NOT_ENOUGH_DATA;
            } else {
                status = DriftStatus.MEASURED;
                Map<String, Double> categories = observed.categories();
                if (config.categoricalDriftMethod() == CategoricalDriftMethod.CHI_SQUARED) {
                    method = CategoricalDriftMethod.CHI_SQUARED.modelMonitorName();
                    drift = Distances.chiSquared(baseline, categories).pValue();
                    if (Double.isNaN(drift)) {
                        status = DriftStatus.NOT_ENOUGH_DATA;
                    }
                } else {
                    double simple = Distances.categoricalLinf(baseline, categories);
                    method = config.comparisonMethod().modelMonitorName();
                    drift = config.comparisonMethod() == ComparisonMethod.ROBUST
                            ? Distances.robust(simple, Math.round(sum(baseline)), observed.present())
                            : simple;
                }
                if (options.bucketDistances()) {
                    double[][] cells = Distances.alignedCategories(baseline, categories);
                    psi = Distances.psi(cells[0], cells[1]);
                    js = Distances.jensenShannon(cells[0], cells[1]);
                }
            }
        } else {
            status = DriftStatus.NO_BASELINE_DISTRIBUTION;
        }
        return new FeatureResult(
                name,
                type,
                observed.present(),
                observed.missing(),
                completeness,
                status,
                drift,
                method,
                psi,
                js,
                config.emitMetrics());
    }

    /** The baseline's ten buckets plus one below its min and one above its max, where the baseline has nothing. */
    private static double[][] bucketCells(NumericStatistics baseline, WeightedValues values) {
        double[] inside = baseline.countsIn(values);
        double[] expected = baseline.bucketCounts();
        double[] p = new double[expected.length + 2];
        double[] q = new double[expected.length + 2];
        System.arraycopy(expected, 0, p, 1, expected.length);
        System.arraycopy(inside, 0, q, 1, inside.length);
        double min = baseline.buckets().get(0).lowerBound();
        double max = baseline.buckets().get(baseline.buckets().size() - 1).upperBound();
        q[0] = values.rankExclusive(min);
        q[q.length - 1] = values.total() - values.rankInclusive(max);
        return new double[][] {p, q};
    }

    private static boolean driftExceeds(FeatureResult result, FeatureType type, MonitoringConfig config) {
        if (type == FeatureType.STRING) {
            if (config.categoricalDriftMethod() == CategoricalDriftMethod.CHI_SQUARED) {
                return result.drift() < config.categoricalComparisonThreshold();
            }
            return result.drift() > config.categoricalComparisonThreshold();
        }
        return result.drift() > config.comparisonThreshold();
    }

    private static ConstraintViolation driftViolation(
            String name, FeatureResult result, FeatureType type, MonitoringConfig config) {
        if (type == FeatureType.STRING && config.categoricalDriftMethod() == CategoricalDriftMethod.CHI_SQUARED) {
            return new ConstraintViolation(
                    name,
                    ConstraintViolation.BASELINE_DRIFT_CHECK,
                    "Baseline drift chi-squared p-value: " + result.drift() + " is below threshold: "
                            + config.categoricalComparisonThreshold());
        }
        double threshold =
                type == FeatureType.STRING ? config.categoricalComparisonThreshold() : config.comparisonThreshold();
        return new ConstraintViolation(
                name,
                ConstraintViolation.BASELINE_DRIFT_CHECK,
                "Baseline drift distance: " + result.drift() + " exceeds threshold: " + threshold);
    }

    private static String percent(double share) {
        return Double.toString(share * 100);
    }

    private static double sum(Map<String, Double> counts) {
        double total = 0;
        for (double count : counts.values()) {
            total += count;
        }
        return total;
    }
}
