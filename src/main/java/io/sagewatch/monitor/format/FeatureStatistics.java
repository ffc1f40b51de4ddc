package io.sagewatch.monitor.format;

/**
 * One feature of a {@code statistics.json}: exactly one of numeric and string is set, unless no value was present
 * ({@link FeatureType#UNKNOWN}).
 */
public record FeatureStatistics(
        String name,
        FeatureType inferredType,
        long numPresent,
        long numMissing,
        NumericStatistics numeric,
        StringStatistics string) {

    public long numRows() {
        return numPresent + numMissing;
    }

    /** Share of rows that had a value: Model Monitor's completeness. */
    public double completeness() {
        long rows = numRows();
        return rows == 0 ? 0 : (double) numPresent / rows;
    }
}
