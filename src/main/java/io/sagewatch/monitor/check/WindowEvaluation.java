package io.sagewatch.monitor.check;

import java.util.List;

import io.sagewatch.monitor.format.ConstraintViolation;
import io.sagewatch.monitor.format.FeatureType;

/**
 * A window judged against its baseline.
 *
 * @param enoughData false when the window had fewer rows than the minimum sample: then there is no violation and no
 *     drift value, only counts
 */
public record WindowEvaluation(
        long rows, boolean enoughData, List<FeatureResult> features, List<ConstraintViolation> violations) {

    /** Why a feature has no drift value. */
    public enum DriftStatus {
        MEASURED,
        NOT_ENOUGH_DATA,
        /** The window's values are not of the baseline's type (a data_type_check tells how many). */
        TYPE_MISMATCH,
        /** The baseline has no distribution to compare with (a string feature of too many values, an empty feature). */
        NO_BASELINE_DISTRIBUTION,
        /** The constraints turn the comparison off for this feature. */
        DISABLED
    }

    /**
     * One feature's figures.
     *
     * @param completeness share of the window's rows with a value (NaN with no rows)
     * @param drift the distance (L-infinity methods) or the p-value (ChiSquared); NaN unless {@code MEASURED}
     * @param driftMethod {@code Simple}, {@code Robust} or {@code ChiSquared}
     * @param psi Population Stability Index over the baseline's buckets; NaN unless asked for and measured
     * @param jensenShannon Jensen–Shannon distance over the baseline's buckets; NaN unless asked for and measured
     */
    public record FeatureResult(
            String name,
            FeatureType baselineType,
            long present,
            long missing,
            double completeness,
            DriftStatus status,
            double drift,
            String driftMethod,
            double psi,
            double jensenShannon,
            boolean emitMetrics) {}

    public long violations(String checkType) {
        return violations.stream()
                .filter(v -> v.constraintCheckType().equals(checkType))
                .count();
    }
}
