package io.sagewatch.monitor.format;

import java.util.List;

/** A {@code statistics.json}: the rows seen and each feature's statistics, in column order. */
public record DatasetStatistics(long itemCount, List<FeatureStatistics> features) {

    public FeatureStatistics feature(String name) {
        for (FeatureStatistics feature : features) {
            if (feature.name().equals(name)) {
                return feature;
            }
        }
        return null;
    }
}
