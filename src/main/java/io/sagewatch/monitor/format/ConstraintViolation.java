package io.sagewatch.monitor.format;

/** One entry of a {@code constraint_violations.json}. */
public record ConstraintViolation(String featureName, String constraintCheckType, String description) {

    public static final String DATA_TYPE_CHECK = "data_type_check";
    public static final String COMPLETENESS_CHECK = "completeness_check";
    public static final String BASELINE_DRIFT_CHECK = "baseline_drift_check";
    public static final String MISSING_COLUMN_CHECK = "missing_column_check";
    public static final String EXTRA_COLUMN_CHECK = "extra_column_check";
    public static final String CATEGORICAL_VALUES_CHECK = "categorical_values_check";
    /** Not among Model Monitor's documented types: its constraints files carry {@code is_non_negative}, checked here. */
    public static final String NON_NEGATIVE_CHECK = "non_negative_check";
}
