package io.sagewatch.monitor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.json.Json;
import io.sagewatch.monitor.check.WindowEvaluation;
import io.sagewatch.monitor.format.ConstraintViolation;
import io.sagewatch.monitor.format.DatasetStatistics;
import io.sagewatch.monitor.format.ModelMonitorJson;

/**
 * An evaluated window as stored and served: its summary, each feature's figures, and Model Monitor's two documents
 * for it ({@code statistics.json} of the window, {@code constraint_violations.json}).
 */
public final class WindowReport {

    /** A window judged against a baseline, with violations (Model Monitor's words for the job's end). */
    public static final String COMPLETED_WITH_VIOLATIONS = "CompletedWithViolations";

    public static final String COMPLETED = "Completed";
    public static final String NOT_ENOUGH_DATA = "NotEnoughData";
    /** No baseline yet, and none being learned: statistics only. */
    public static final String NO_BASELINE = "NoBaseline";
    /** The window went into the baseline being learned. */
    public static final String LEARNING = "Learning";

    static final ObjectMapper JSON = Json.MAPPER;

    private WindowReport() {}

    static ObjectNode summary(
            MonitorSettings settings,
            Instant start,
            String status,
            long rows,
            int replicas,
            Integer baselineVersion,
            WindowEvaluation evaluation,
            String evaluatedBy) {
        ObjectNode summary = JSON.createObjectNode();
        summary.put("endpoint", settings.endpoint());
        summary.put("monitoring_schedule", settings.scheduleName());
        summary.put("window_start", start.toString());
        summary.put("window_end", start.plus(settings.window()).toString());
        summary.put("evaluated_at", Instant.now().toString());
        summary.put("evaluated_by", evaluatedBy);
        summary.put("status", status);
        summary.put("rows", rows);
        summary.put("replicas", replicas);
        if (baselineVersion != null) {
            summary.put("baseline_version", baselineVersion);
        } else {
            summary.putNull("baseline_version");
        }
        Map<String, Long> byCheck = new TreeMap<>();
        if (evaluation != null) {
            for (ConstraintViolation violation : evaluation.violations()) {
                byCheck.merge(violation.constraintCheckType(), 1L, Long::sum);
            }
        }
        if (evaluation != null && evaluation.enoughData()) {
            summary.put(
                    "violations",
                    byCheck.values().stream().mapToLong(Long::longValue).sum());
        } else {
            // not evaluated (no baseline, or fewer rows than min-samples): no count, rather than a reassuring 0
            summary.putNull("violations");
        }
        ObjectNode checks = summary.putObject("violations_by_check");
        byCheck.forEach(checks::put);
        return summary;
    }

    static byte[] full(ObjectNode summary, WindowEvaluation evaluation, DatasetStatistics statistics) {
        try {
            ObjectNode report = summary.deepCopy();
            ArrayNode features = report.putArray("features");
            if (evaluation != null) {
                for (WindowEvaluation.FeatureResult feature : evaluation.features()) {
                    ObjectNode node = features.addObject();
                    node.put("name", feature.name());
                    node.put(
                            "baseline_type",
                            feature.baselineType() == null
                                    ? null
                                    : feature.baselineType().modelMonitorName());
                    node.put("present", feature.present());
                    node.put("missing", feature.missing());
                    putNumber(node, "completeness", feature.completeness());
                    node.put("drift_status", feature.status().name());
                    putNumber(node, "drift", feature.drift());
                    node.put("drift_method", feature.driftMethod());
                    putNumber(node, "psi", feature.psi());
                    putNumber(node, "jensen_shannon", feature.jensenShannon());
                }
            }
            report.set("statistics", JSON.readTree(ModelMonitorJson.writeStatistics(statistics)));
            report.set(
                    "constraint_violations",
                    JSON.readTree(ModelMonitorJson.writeViolations(
                            evaluation == null ? java.util.List.of() : evaluation.violations())));
            return JSON.writeValueAsBytes(report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void putNumber(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }
}
