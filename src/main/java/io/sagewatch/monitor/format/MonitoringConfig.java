package io.sagewatch.monitor.format;

/**
 * A {@code constraints.json}'s {@code monitoring_config}, with every key resolved: a missing key takes the value the
 * Model Monitor container writes (its datatype and domain thresholds are 1.0, where its documentation says 0.1).
 */
public record MonitoringConfig(
        boolean evaluateConstraints,
        boolean emitMetrics,
        double datatypeCheckThreshold,
        double domainContentThreshold,
        boolean performComparison,
        double comparisonThreshold,
        ComparisonMethod comparisonMethod,
        double categoricalComparisonThreshold,
        CategoricalDriftMethod categoricalDriftMethod) {

    public static final MonitoringConfig DEFAULTS = new MonitoringConfig(
            true, true, 1.0, 1.0, true, 0.1, ComparisonMethod.ROBUST, 0.1, CategoricalDriftMethod.L_INFINITY);

    /** Numeric distance: {@code Simple} (linf_simple) or {@code Robust} (linf_robust, the default). */
    public enum ComparisonMethod {
        SIMPLE("Simple", "linf_simple"),
        ROBUST("Robust", "linf_robust");

        private final String modelMonitorName;
        private final String documentedName;

        ComparisonMethod(String modelMonitorName, String documentedName) {
            this.modelMonitorName = modelMonitorName;
            this.documentedName = documentedName;
        }

        public String modelMonitorName() {
            return modelMonitorName;
        }

        public static ComparisonMethod parse(String name) {
            for (ComparisonMethod method : values()) {
                if (method.modelMonitorName.equals(name) || method.documentedName.equals(name)) {
                    return method;
                }
            }
            return null;
        }
    }

    /** Categorical distance: L-infinity between the shares (the default), or a chi-squared test's p-value. */
    public enum CategoricalDriftMethod {
        L_INFINITY("LInfinity"),
        CHI_SQUARED("ChiSquared");

        private final String modelMonitorName;

        CategoricalDriftMethod(String modelMonitorName) {
            this.modelMonitorName = modelMonitorName;
        }

        public String modelMonitorName() {
            return modelMonitorName;
        }

        public static CategoricalDriftMethod parse(String name) {
            for (CategoricalDriftMethod method : values()) {
                if (method.modelMonitorName.equals(name)) {
                    return method;
                }
            }
            return null;
        }
    }
}
