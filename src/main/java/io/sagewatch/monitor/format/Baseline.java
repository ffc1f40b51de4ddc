package io.sagewatch.monitor.format;

import java.time.Instant;

/**
 * What an endpoint's windows are judged against: one internal form, whichever way it came (Model Monitor's files
 * uploaded, built from a dataset, or learned from live traffic).
 *
 * @param version increases by one with every baseline stored for the endpoint
 * @param source how it was made: {@code uploaded}, {@code dataset} or {@code learned}
 */
public record Baseline(
        String endpoint,
        int version,
        String source,
        Instant createdAt,
        DatasetStatistics statistics,
        Constraints constraints) {

    public static final String UPLOADED = "uploaded";
    public static final String DATASET = "dataset";
    public static final String LEARNED = "learned";

    /** The type each feature is judged as: the constraints' word first, else the statistics'. */
    public FeatureType typeOf(String feature) {
        FeatureConstraints constraint = constraints.feature(feature);
        if (constraint != null) {
            return constraint.inferredType();
        }
        FeatureStatistics statistic = statistics.feature(feature);
        return statistic == null ? null : statistic.inferredType();
    }
}
