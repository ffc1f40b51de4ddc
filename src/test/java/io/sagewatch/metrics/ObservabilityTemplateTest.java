package io.sagewatch.metrics;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tag;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.StreamStats;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.TestConfigs;
import io.sagewatch.testing.TestRequests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/observability/template.yaml against the code: every metric its dashboard and alarms use is one the code
 * emits, with the same dimensions, in the same namespace; every field its Logs Insights queries use is in the log line.
 */
class ObservabilityTemplateTest {

    private static final Path TEMPLATE = Path.of("deploy/observability/template.yaml");

    /**
     * metric name -> the dimension sets it is published under (its tags and their rollups), as the code emits them
     * for a success, a throttle, a 5xx and record writes.
     */
    private static Map<String, Set<Set<String>>> emitted() throws Exception {
        SagewatchConfig config = TestConfigs.sagewatch(Map.of());
        List<String> lines = new java.util.ArrayList<>();
        EmfMeterRegistry registry = new EmfMeterRegistry(
                config.metrics().emf().namespace(), Duration.ofMinutes(1), 100, new MockClock(), lines::add);
        InferenceMeters meters = new InferenceMeters(registry, registry, config);
        meters.record(outcome(null, new TokenUsage(10L, 20L), 0.01));
        meters.record(outcome(InferenceError.of(ErrorType.THROTTLING, "slow down"), TokenUsage.NONE, null));
        meters.record(outcome(InferenceError.of(ErrorType.INTERNAL_FAILURE, "boom"), TokenUsage.NONE, null));
        InferenceOutcome streamed = outcome(null, new TokenUsage(10L, 20L), 0.01);
        meters.streamStarted(streamed.request(), streamed.response());
        meters.partDelivered(streamed.request(), streamed.response(), -1);
        meters.partDelivered(streamed.request(), streamed.response(), 20_000_000L);
        meters.record(InferenceOutcome.streamed(
                streamed.request(),
                streamed.modelCall(),
                streamed.tokens(),
                streamed.costUsd(),
                new StreamStats(30_000_000L, 29_000_000L, 20, 200, 20_000_000L, 25_000_000L, 400_000_000L, false)));
        meters.recordWrite("llm", 1_000_000, false);
        meters.recordDeadLettered("llm");
        // model health: a dropped sample, and one evaluated window with a drift figure and a violation
        ModelHealthMeters health =
                new ModelHealthMeters(registry, config.metrics().service(), List.of(registry));
        health.dropped("llm", ModelHealthMeters.Drop.UNREADABLE);
        health.window(
                "llm",
                "llm-schedule",
                100,
                List.of(
                        ModelHealthMeters.Figure.single(ModelHealthMeters.DRIFT_PREFIX + "age", 0.2),
                        ModelHealthMeters.Figure.single(ModelHealthMeters.NON_NULL_PREFIX + "age", 1.0),
                        new ModelHealthMeters.Figure(ModelHealthMeters.DATA_PREFIX + "age", 100, 4000, 18, 90)),
                Map.of("baseline_drift_check", 1L),
                true);
        // model quality: labels, and one evaluated window of each kind
        health.labels("llm", "late", 2);
        health.quality(
                "llm",
                "llm-schedule",
                50,
                Map.of(
                        "accuracy",
                        0.9,
                        "f1",
                        0.8,
                        "auc",
                        0.95,
                        "weighted_f1",
                        0.7,
                        "mae",
                        1.0,
                        "rmse",
                        1.2,
                        "r2",
                        0.5));
        // budgets: a cost budget's gauges and a refusal
        InferenceMeters.budgetGauges(
                registry, config.metrics().service(), "team-a-daily", "cost_usd", () -> 1.5, () -> 48.5);
        InferenceMeters.budgetRefusals(registry, config.metrics().service(), "team-a-daily")
                .increment();
        Map<String, Set<Set<String>>> emitted = new HashMap<>();
        registry.publish();
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode directive = json.readTree(line).at("/_aws/CloudWatchMetrics/0");
            for (JsonNode metric : directive.path("Metrics")) {
                for (JsonNode set : directive.path("Dimensions")) {
                    Set<String> keys = new TreeSet<>();
                    set.forEach(key -> keys.add(key.asText()));
                    emitted.computeIfAbsent(metric.path("Name").asText(), k -> new HashSet<>())
                            .add(keys);
                }
            }
        }
        for (Meter meter : registry.getMeters()) {
            for (List<Tag> set : DeltaMeterRegistry.dimensionSets(meter.getId().getTags())) {
                Set<String> keys = new TreeSet<>();
                set.stream().map(Tag::getKey).forEach(keys::add);
                emitted.computeIfAbsent(meter.getId().getName(), k -> new HashSet<>())
                        .add(keys);
            }
        }
        return emitted;
    }

    private static InferenceOutcome outcome(InferenceError error, TokenUsage tokens, Double cost) {
        InferenceRequest request =
                TestRequests.of("r1", "i1", "llm", new byte[] {1}, "application/json", System.nanoTime());
        ModelResponse response = error == null
                ? new ModelResponse(new byte[] {2}, "application/json", "AllTraffic", null, null, null)
                : null;
        return InferenceOutcome.of(request, new ModelCall(response, error, 1_000_000, 1), tokens, cost);
    }

    @Test
    void everyMetricTheDashboardAndAlarmsUseIsEmittedWithTheSameDimensions() throws Exception {
        String template = Files.readString(TEMPLATE, StandardCharsets.UTF_8);
        Map<String, Set<Set<String>>> emitted = emitted();
        Map<String, Set<Set<String>>> used = new HashMap<>();

        // SEARCH('{Namespace,endpoint,service,variant} MetricName="X" ...')
        Matcher search = Pattern.compile("\\{\\$\\{Namespace},([A-Za-z,]+)} MetricName=\\\\\"(\\w+)\\\\\"")
                .matcher(template);
        while (search.find()) {
            used.computeIfAbsent(search.group(2), k -> new HashSet<>())
                    .add(Set.of(search.group(1).split(",")));
        }
        // SELECT SUM(X) FROM SCHEMA("Namespace", endpoint, service, variant)
        Matcher insights = Pattern.compile(
                        "SELECT SUM\\((\\w+)\\) FROM SCHEMA\\(\\\\\"\\$\\{Namespace}\\\\\", ([a-z, ]+)\\)")
                .matcher(template);
        while (insights.find()) {
            used.computeIfAbsent(insights.group(1), k -> new HashSet<>())
                    .add(Set.of(insights.group(2).replace(" ", "").split(",")));
        }
        // MetricName: X followed by its Dimensions list
        Matcher plain = Pattern.compile("MetricName: (\\w+)\\s+Dimensions:((?:\\s+- \\{Name: \\w+, Value: [^}]+})+)")
                .matcher(template);
        while (plain.find()) {
            Set<String> keys = new HashSet<>();
            Matcher name = Pattern.compile("Name: (\\w+),").matcher(plain.group(2));
            while (name.find()) {
                keys.add(name.group(1));
            }
            used.computeIfAbsent(plain.group(1), k -> new HashSet<>()).add(keys);
        }

        // SEARCH('{Namespace,Endpoint,MonitoringSchedule} feature_baseline_drift', ...): a family of metrics by prefix
        Matcher family = Pattern.compile("\\{\\$\\{Namespace},([A-Za-z,]+)} (feature_\\w+)'")
                .matcher(template);
        int families = 0;
        while (family.find()) {
            families++;
            String prefix = family.group(2);
            Set<String> dimensions = new TreeSet<>(List.of(family.group(1).split(",")));
            assertThat(emitted.entrySet())
                    .as(prefix + "*: emitted under " + dimensions)
                    .anyMatch(e ->
                            e.getKey().startsWith(prefix + "_") && e.getValue().contains(dimensions));
        }
        assertEquals(2, families, "drift and completeness per feature on the dashboard");
        // the per-feature drift alarm: Model Monitor's name and dimensions, and nothing else
        assertThat(template).contains("MetricName: !Sub \"feature_baseline_drift_${Feature}\"");
        assertThat(emitted.get("feature_baseline_drift_age")).containsExactly(Set.of("Endpoint", "MonitoringSchedule"));

        assertThat(used.keySet())
                .as("the template names metrics")
                .contains(
                        "Invocations",
                        "Latency",
                        "ModelLatency",
                        "OverheadLatency",
                        "Invocation4XXErrors",
                        "Invocation5XXErrors",
                        "InvocationThrottles",
                        "InputTokens",
                        "OutputTokens",
                        "EstimatedCost",
                        "RecordWriteFailures",
                        "TimeToFirstToken",
                        "AddedTimeToFirstToken",
                        "InterTokenLatency",
                        "OutputTokensPerSecond",
                        "StreamsInFlight",
                        "ModelHealthViolations",
                        "ModelHealthWindowRows",
                        "ModelHealthSamplesDropped",
                        "accuracy",
                        "mae",
                        "ModelQualityLabels",
                        "ModelQualityWindowRows");
        // the model-quality alarm: any of Model Monitor's names, under its dimensions
        assertThat(template).contains("MetricName: !Ref QualityMetric");
        for (String metric : List.of("accuracy", "f1", "auc", "weighted_f1", "rmse", "r2")) {
            assertThat(emitted.get(metric)).as(metric).containsExactly(Set.of("Endpoint", "MonitoringSchedule"));
        }
        used.forEach((metric, dimensionSets) -> {
            assertTrue(emitted.containsKey(metric), metric + " is used by the template but the code never emits it");
            for (Set<String> dimensions : dimensionSets) {
                assertThat(emitted.get(metric))
                        .as(metric + ": published under these dimensions")
                        .contains(new TreeSet<>(dimensions));
            }
        });
        assertThat(template)
                .contains("Default: "
                        + TestConfigs.sagewatch(Map.of()).metrics().emf().namespace());
        assertThat(template)
                .contains(
                        "Default: " + TestConfigs.sagewatch(Map.of()).metrics().service());
    }

    @Test
    void everyFieldTheLogsInsightsQueriesUseIsInTheLogLine() throws Exception {
        String template = Files.readString(TEMPLATE, StandardCharsets.UTF_8);
        List<String> all = Pattern.compile("QueryString: \"([^\"]+)\"")
                .matcher(template)
                .results()
                .map(m -> m.group(1))
                .toList();
        assertEquals(7, all.size(), "the seven documented queries");
        // the inference line's queries here; the model-health line's in ModelHealthLogTest, the model-quality line's
        // in ModelQualityTest; the model container's log (SageMaker's) is not ours
        List<String> queries = all.stream()
                .filter(q -> !q.contains("model_health_window")
                        && !q.contains("model_quality_window")
                        && !q.contains("traceback"))
                .toList();
        assertEquals(4, queries.size());

        Set<String> fields = new TreeSet<>();
        Set<String> aliases = new HashSet<>();
        for (String query : queries) {
            Pattern.compile("\\bas (\\w+)").matcher(query).results().forEach(m -> aliases.add(m.group(1)));
            // identifiers that are not @fields, not functions, not inside /regular expressions/
            Matcher identifiers = Pattern.compile("(?<![@\\w/])([a-z][a-z_]*[a-z])(?![\\w(])")
                    .matcher(query.replaceAll("/[^/]*/", ""));
            while (identifiers.find()) {
                fields.add(identifiers.group(1));
            }
        }
        fields.removeAll(aliases);
        fields.removeAll(Set.of("fields", "filter", "like", "sort", "desc", "limit", "stats", "by", "as"));
        assertThat(fields)
                .containsExactlyInAnyOrder("request_id", "latency_ms", "model_id", "input_tokens", "output_tokens");

        Map<String, JsonNode> lines = logLines();
        for (String field : fields) {
            JsonNode line = lines.get("SUCCEEDED");
            assertTrue(line.has(field), field + " is not in the log line " + line);
            if (field.endsWith("_ms") || field.endsWith("_tokens")) {
                assertTrue(line.get(field).isNumber(), field + " must be a JSON number for stats and comparisons");
            }
        }
        assertThat(lines.get("FAILED").toString()).contains("ERROR").as("filter @message like /ERROR/");
        assertThat(lines.get("SUCCEEDED").toString()).doesNotContain("ERROR");
    }

    private static Map<String, JsonNode> logLines() throws Exception {
        ObjectMapper json = new ObjectMapper();
        InferenceLog log = new InferenceLog(json);
        try (CapturedLog captured = CapturedLog.of(InferenceLog.CATEGORY)) {
            log.write(outcome(null, new TokenUsage(10L, 20L), 0.01));
            log.write(outcome(InferenceError.of(ErrorType.INTERNAL_FAILURE, "boom"), TokenUsage.NONE, null));
            Map<String, JsonNode> byStatus = new HashMap<>();
            for (String message : captured.messages()) {
                JsonNode line = json.readTree(message);
                for (Iterator<JsonNode> it = line.elements(); it.hasNext(); ) {
                    assertTrue(it.next().isValueNode(), "flat: " + line);
                }
                byStatus.put(line.get("status").asText(), line);
            }
            assertEquals(Set.of("SUCCEEDED", "FAILED"), byStatus.keySet());
            return byStatus;
        }
    }
}
