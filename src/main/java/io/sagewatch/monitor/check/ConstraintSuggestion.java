package io.sagewatch.monitor.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.sagewatch.monitor.format.Constraints;
import io.sagewatch.monitor.format.DatasetStatistics;
import io.sagewatch.monitor.format.FeatureConstraints;
import io.sagewatch.monitor.format.FeatureStatistics;
import io.sagewatch.monitor.format.FeatureType;
import io.sagewatch.monitor.format.MonitoringConfig;

/**
 * The constraints a baseline job suggests from its statistics, as Model Monitor's do: the inferred type, a completeness
 * the data met (Deequ's rule: the 95 % lower confidence bound of the observed share, rounded down to two decimals, so
 * that a window like the baseline does not fail it by chance; 1.0 for a complete column), non-negativity for numbers whose minimum is ≥ 0, and the domain of strings with few distinct values;
 * the monitoring config the container writes.
 */
public final class ConstraintSuggestion {

    private ConstraintSuggestion() {}

    public static Constraints suggest(DatasetStatistics statistics) {
        List<FeatureConstraints> features = new ArrayList<>();
        for (FeatureStatistics feature : statistics.features()) {
            Boolean nonNegative = null;
            List<String> domains = null;
            if (feature.numeric() != null && feature.numPresent() > 0) {
                nonNegative = feature.numeric().min() >= 0;
            }
            if (feature.inferredType() == FeatureType.STRING
                    && feature.string() != null
                    && feature.string().categories() != null) {
                Map<String, Double> categories = feature.string().categories();
                domains = List.copyOf(categories.keySet());
            }
            features.add(new FeatureConstraints(
                    feature.name(),
                    feature.inferredType(),
                    completeness(feature),
                    nonNegative,
                    domains,
                    Map.of(),
                    MonitoringConfig.DEFAULTS));
        }
        return new Constraints(List.copyOf(features), MonitoringConfig.DEFAULTS);
    }

    static double completeness(FeatureStatistics feature) {
        long rows = feature.numRows();
        if (rows == 0 || feature.numMissing() == 0) {
            return rows == 0 ? 0 : 1.0;
        }
        double share = feature.completeness();
        double lower = share - 1.96 * Math.sqrt(share * (1 - share) / rows);
        return Math.max(0, Math.floor(lower * 100) / 100);
    }
}
