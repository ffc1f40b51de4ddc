package io.sagewatch.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.json.Json;
import io.sagewatch.monitor.Baselines;
import io.sagewatch.monitor.EndpointMonitors;
import io.sagewatch.monitor.ModelHealthStore;
import io.sagewatch.monitor.MonitorSettings;
import io.sagewatch.monitor.format.Baseline;
import io.sagewatch.monitor.format.MonitoringConfig;
import io.sagewatch.monitor.quality.EndpointQualities;
import io.sagewatch.monitor.quality.ProblemType;
import io.sagewatch.monitor.quality.QualitySettings;
import io.sagewatch.monitor.quality.QualityWindows;

/** Reads what the model-health page shows of an endpoint: the stored window reports, baseline and quality windows. */
@ApplicationScoped
public class HealthReader {

    static final int WINDOWS = 48;
    static final int QUALITY_WINDOWS = 24;
    private static final String DRIFT_CHECK = "baseline_drift_check";

    private final EndpointMonitors monitors;
    private final EndpointQualities qualities;
    private final ModelHealthStore store;
    private final Baselines baselines;
    private final QualityWindows qualityWindows;

    HealthReader(
            EndpointMonitors monitors,
            EndpointQualities qualities,
            ModelHealthStore store,
            Baselines baselines,
            QualityWindows qualityWindows) {
        this.monitors = monitors;
        this.qualities = qualities;
        this.store = store;
        this.baselines = baselines;
        this.qualityWindows = qualityWindows;
    }

    /** The endpoints with data quality or model quality configured, by name. */
    public List<String> monitored() {
        TreeSet<String> names = new TreeSet<>();
        monitors.all().forEach(settings -> names.add(settings.endpoint()));
        qualities.all().forEach(settings -> names.add(settings.endpoint()));
        return List.copyOf(names);
    }

    public CompletionStage<HealthView> read(String chosen) {
        List<String> monitored = monitored();
        String endpoint = chosen != null ? chosen : monitored.isEmpty() ? null : monitored.get(0);
        MonitorSettings dataQuality = endpoint == null ? null : monitors.settings(endpoint);
        QualitySettings modelQuality = endpoint == null ? null : qualities.settings(endpoint);
        CompletableFuture<List<byte[]>> summaries = dataQuality == null
                ? CompletableFuture.completedFuture(List.of())
                : store.reportSummaries(endpoint, WINDOWS).toCompletableFuture();
        CompletableFuture<Baseline> baseline = dataQuality == null
                ? CompletableFuture.completedFuture(null)
                : baselines.current(endpoint).toCompletableFuture();
        CompletableFuture<List<JsonNode>> quality = modelQuality == null
                ? CompletableFuture.completedFuture(List.of())
                : qualityWindows.list(modelQuality, QUALITY_WINDOWS).toCompletableFuture();
        return summaries.thenCompose(found -> {
            List<HealthView.Window> windows = new ArrayList<>();
            String judged = null;
            for (byte[] bytes : found) {
                JsonNode summary = tree(bytes);
                String status = summary.path("status").asText();
                windows.add(new HealthView.Window(
                        summary.path("window_start").asText(),
                        summary.path("window_end").asText(),
                        status,
                        summary.path("rows").asLong(),
                        summary.path("replicas").asInt(),
                        summary.path("violations").isNull()
                                ? "–"
                                : summary.path("violations").asText()));
                if (judged == null && status.startsWith("Completed")) {
                    judged = summary.path("window_start").asText();
                }
            }
            CompletableFuture<byte[]> report = judged == null
                    ? CompletableFuture.completedFuture(null)
                    : store.report(endpoint, Instant.parse(judged)).toCompletableFuture();
            String latest = judged;
            return CompletableFuture.allOf(report, baseline, quality)
                    .thenApply(done -> view(
                            endpoint,
                            monitored,
                            dataQuality != null,
                            windows,
                            latest,
                            report.join() == null ? null : tree(report.join()),
                            baseline.join(),
                            modelQuality,
                            quality.join()));
        });
    }

    private static HealthView view(
            String endpoint,
            List<String> monitored,
            boolean dataQuality,
            List<HealthView.Window> windows,
            String latest,
            JsonNode report,
            Baseline baseline,
            QualitySettings modelQuality,
            List<JsonNode> quality) {
        List<HealthView.Violation> violations = new ArrayList<>();
        Set<String> drifted = new HashSet<>();
        List<HealthView.Drift> drift = new ArrayList<>();
        ObjectNode chart = Json.MAPPER.createObjectNode();
        ArrayNode names = chart.putArray("features");
        ArrayNode distances = chart.putArray("distance");
        ArrayNode thresholds = chart.putArray("threshold");
        MonitoringConfig config = baseline == null
                ? MonitoringConfig.DEFAULTS
                : baseline.constraints().monitoringConfig();
        if (report != null) {
            for (JsonNode violation : report.path("constraint_violations").path("violations")) {
                String feature = violation.path("feature_name").asText();
                String check = violation.path("constraint_check_type").asText();
                violations.add(new HealthView.Violation(
                        feature, check, violation.path("description").asText()));
                if (DRIFT_CHECK.equals(check)) {
                    drifted.add(feature);
                }
            }
            for (JsonNode feature : report.path("features")) {
                String name = feature.path("name").asText();
                boolean categorical =
                        "String".equals(feature.path("baseline_type").asText());
                double threshold = categorical ? config.categoricalComparisonThreshold() : config.comparisonThreshold();
                String method = feature.path("drift_method").asText("");
                boolean pValue = "ChiSquared".equals(method);
                JsonNode distance = feature.path("drift");
                drift.add(new HealthView.Drift(
                        name,
                        feature.path("drift_status")
                                .asText()
                                .toLowerCase(Locale.ROOT)
                                .replace('_', ' '),
                        distance.isNumber() ? String.format(Locale.ROOT, "%.4f", distance.asDouble()) : "–",
                        method.isEmpty() ? "–" : method + (pValue ? " (p-value)" : ""),
                        String.format(Locale.ROOT, "%.4f", threshold),
                        drifted.contains(name)));
                if (distance.isNumber() && !pValue) {
                    names.add(name);
                    distances.add(distance.asDouble());
                    thresholds.add(threshold);
                }
            }
        }
        HealthView.BaselineView baselineView = baseline == null
                ? null
                : new HealthView.BaselineView(
                        baseline.version(),
                        baseline.source(),
                        baseline.createdAt().toString(),
                        baseline.statistics().features().size(),
                        String.format(
                                Locale.ROOT,
                                "%.4f numeric, %.4f categorical",
                                config.comparisonThreshold(),
                                config.categoricalComparisonThreshold()));
        List<String> metricNames = modelQuality == null ? List.of() : headlineMetrics(modelQuality.problemType());
        List<HealthView.QualityWindow> qualityRows = new ArrayList<>();
        for (JsonNode window : quality) {
            List<String> values = new ArrayList<>();
            for (String metric : metricNames) {
                JsonNode value = window.path("metrics").path(metric);
                values.add(value.isNumber() ? String.format(Locale.ROOT, "%.4f", value.asDouble()) : "–");
            }
            qualityRows.add(new HealthView.QualityWindow(
                    window.path("window_start").asText(),
                    window.path("status").asText(),
                    window.path("rows").asLong(),
                    window.has("violations") ? window.path("violations").asText() : "–",
                    values));
        }
        return new HealthView(
                endpoint,
                monitored,
                dataQuality,
                windows,
                latest,
                drift,
                chart.toString(),
                violations,
                baselineView,
                modelQuality != null,
                modelQuality == null ? null : modelQuality.problemType().modelMonitorName(),
                qualityRows,
                metricNames);
    }

    /** The few figures a person looks at first, per problem type (all of them are in the window's files). */
    static List<String> headlineMetrics(ProblemType type) {
        return switch (type) {
            case BINARY -> List.of("accuracy", "precision", "recall", "f1", "auc");
            case MULTICLASS -> List.of("accuracy", "weighted_precision", "weighted_recall", "weighted_f1");
            case REGRESSION -> List.of("mae", "rmse", "r2");
        };
    }

    private static JsonNode tree(byte[] bytes) {
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
