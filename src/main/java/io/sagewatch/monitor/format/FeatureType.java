package io.sagewatch.monitor.format;

/** A feature's data type, as Model Monitor infers and names it. */
public enum FeatureType {
    INTEGRAL("Integral"),
    FRACTIONAL("Fractional"),
    STRING("String"),
    /** No value was present to infer from. */
    UNKNOWN("Unknown");

    private final String modelMonitorName;

    FeatureType(String modelMonitorName) {
        this.modelMonitorName = modelMonitorName;
    }

    public String modelMonitorName() {
        return modelMonitorName;
    }

    public boolean isNumeric() {
        return this == INTEGRAL || this == FRACTIONAL;
    }

    public static FeatureType fromModelMonitorName(String name) {
        for (FeatureType type : values()) {
            if (type.modelMonitorName.equals(name)) {
                return type;
            }
        }
        return null;
    }
}
