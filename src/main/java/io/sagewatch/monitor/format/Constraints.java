package io.sagewatch.monitor.format;

import java.util.List;

/** A {@code constraints.json}: what each feature must satisfy, and how drift is measured and judged. */
public record Constraints(List<FeatureConstraints> features, MonitoringConfig monitoringConfig) {

    public FeatureConstraints feature(String name) {
        for (FeatureConstraints feature : features) {
            if (feature.name().equals(name)) {
                return feature;
            }
        }
        return null;
    }
}
