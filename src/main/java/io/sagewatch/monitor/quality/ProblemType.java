package io.sagewatch.monitor.quality;

/** Model Monitor's problem types, and the member of its statistics.json that holds each one's metrics. */
public enum ProblemType {
    BINARY("BinaryClassification", "binary_classification_metrics", "binary_classification_constraints"),
    MULTICLASS(
            "MulticlassClassification", "multiclass_classification_metrics", "multiclass_classification_constraints"),
    REGRESSION("Regression", "regression_metrics", "regression_constraints");

    private final String modelMonitorName;
    private final String metricsMember;
    private final String constraintsMember;

    ProblemType(String modelMonitorName, String metricsMember, String constraintsMember) {
        this.modelMonitorName = modelMonitorName;
        this.metricsMember = metricsMember;
        this.constraintsMember = constraintsMember;
    }

    public String modelMonitorName() {
        return modelMonitorName;
    }

    public String metricsMember() {
        return metricsMember;
    }

    public String constraintsMember() {
        return constraintsMember;
    }

    public static ProblemType of(String modelMonitorName) {
        for (ProblemType type : values()) {
            if (type.modelMonitorName.equals(modelMonitorName)) {
                return type;
            }
        }
        throw new IllegalArgumentException("no problem type " + modelMonitorName);
    }
}
