package io.sagewatch.monitor.format;

import java.util.List;
import java.util.Map;

/**
 * One feature of a {@code constraints.json}.
 *
 * @param completeness the least share of rows that must have a value; null: not checked
 * @param isNonNegative numeric features: whether values must be ≥ 0; null: not checked
 * @param domains string features: the values expected; null: not checked
 * @param overrides the feature's {@code monitoringConfigOverrides} as written (kept to write the file back)
 * @param monitoring the monitoring config that applies to this feature: the file's, with its overrides applied
 */
public record FeatureConstraints(
        String name,
        FeatureType inferredType,
        Double completeness,
        Boolean isNonNegative,
        List<String> domains,
        Map<String, Object> overrides,
        MonitoringConfig monitoring) {}
