package io.sagewatch.monitor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.monitor.check.ConstraintEvaluator;
import io.sagewatch.monitor.check.ConstraintSuggestion;
import io.sagewatch.monitor.check.WindowEvaluation;
import io.sagewatch.monitor.format.DatasetStatistics;
import io.sagewatch.testing.Datasets;
import io.sagewatch.testing.TestConfigs;

import static org.assertj.core.api.Assertions.assertThat;

/** The model-health log line against the Logs Insights queries deploy/observability ships for it. */
class ModelHealthLogTest {

    @Test
    void everyFieldTheModelHealthQueriesUseIsInTheLine() throws Exception {
        String template = Files.readString(Path.of("deploy/observability/template.yaml"));
        List<String> queries = Pattern.compile("(?:QueryString: \"|\"query\": \")([^\"]*model_health_window[^\"]*)\"")
                .matcher(template)
                .results()
                .map(m -> m.group(1))
                .toList();
        assertThat(queries).hasSize(2); // the saved query and the dashboard's table

        MonitorSettings settings = MonitorSettings.of(
                "churn",
                TestConfigs.sagewatch(Map.of("sagewatch.endpoint.churn.monitor.enabled", "true"))
                        .endpoint()
                        .get("churn")
                        .monitor());
        DatasetStatistics baseline =
                Datasets.accumulate(2048, Datasets.csv(2000, 1, 0)).toStatistics(List.of(), n -> null);
        WindowEvaluation evaluation = ConstraintEvaluator.evaluate(
                baseline,
                ConstraintSuggestion.suggest(baseline),
                Datasets.accumulate(200, Datasets.csv(500, 2, 10)),
                new ConstraintEvaluator.Options(30, false));
        JsonNode line = new ObjectMapper()
                .readTree(ModelHealthWorker.logLine(
                        WindowReport.summary(
                                settings,
                                Instant.parse("2026-11-30T10:00:00Z"),
                                WindowReport.COMPLETED_WITH_VIOLATIONS,
                                500,
                                2,
                                1,
                                evaluation,
                                "replica-1"),
                        evaluation));

        for (String query : queries) {
            Set<String> fields = new TreeSet<>();
            Matcher identifiers = Pattern.compile("(?<![@\\w/'])([a-z][a-z_]*[a-z])(?![\\w('])")
                    .matcher(query);
            while (identifiers.find()) {
                fields.add(identifiers.group(1));
            }
            fields.removeAll(Set.of("fields", "filter", "sort", "desc", "limit", "like"));
            assertThat(fields)
                    .containsExactlyInAnyOrder("endpoint", "window_start", "status", "rows", "violations", "message");
            for (String field : fields) {
                assertThat(line.has(field)).as(field + " in " + line).isTrue();
            }
        }
        assertThat(line.path("message").asText()).isEqualTo("model_health_window");
        assertThat(line.path("rows").isNumber()).isTrue();
        assertThat(line.path("violations").asLong()).isPositive();
        assertThat(line.at("/drift/age").isNumber()).isTrue();
    }
}
