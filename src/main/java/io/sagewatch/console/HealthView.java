package io.sagewatch.console;

import java.util.List;

/**
 * The model-health page of one endpoint: its windows as a timeline, drift per feature in the newest judged window
 * against the baseline's thresholds, that window's violations, the baseline in force, and model quality's windows.
 */
public record HealthView(
        String endpoint,
        List<String> monitored,
        boolean dataQuality,
        List<Window> windows,
        String latestWindow,
        List<Drift> drift,
        String driftJson,
        List<Violation> violations,
        BaselineView baseline,
        boolean modelQuality,
        String problemType,
        List<QualityWindow> qualityWindows,
        List<String> qualityMetrics) {

    /** An evaluated window; {@code bad}: judged with violations. */
    public record Window(String start, String end, String status, long rows, int replicas, String violations) {
        public boolean bad() {
            return "CompletedWithViolations".equals(status);
        }

        public String shortStart() {
            return start.length() >= 19 ? start.substring(0, 19).replace('T', ' ') : start;
        }
    }

    /** A feature's drift in the newest judged window, with the threshold it is held to. */
    public record Drift(
            String feature, String status, String distance, String method, String threshold, boolean drifted) {}

    public record Violation(String feature, String check, String description) {}

    public record BaselineView(int version, String source, String createdAt, int features, String threshold) {}

    /** A model-quality window: its metrics by name, in the order of {@link HealthView#qualityMetrics}. */
    public record QualityWindow(String start, String status, long rows, String violations, List<String> values) {
        public boolean bad() {
            return "CompletedWithViolations".equals(status);
        }
    }
}
