package io.sagewatch.dev;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.StreamStats;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.metrics.InferenceMetersAccess;
import io.sagewatch.metrics.ModelHealthMeters;
import io.sagewatch.testing.TestConfigs;
import io.sagewatch.testing.TestRequests;

import static org.assertj.core.api.Assertions.assertThat;

class DevMetricsSummaryTest {

    private static InferenceOutcome outcome(InferenceError error, long modelMillis) {
        InferenceRequest request = TestRequests.of(
                "r",
                "i",
                "demo-llm",
                new byte[10],
                "application/json",
                System.nanoTime() - (modelMillis + 2) * 1_000_000);
        ModelResponse response = error == null
                ? new ModelResponse(new byte[5], "application/json", "AllTraffic", null, null, null)
                : null;
        return InferenceOutcome.of(
                request,
                new ModelCall(response, error, modelMillis * 1_000_000, 1),
                error == null ? new TokenUsage(6L, 16L) : TokenUsage.NONE,
                error == null ? 0.002 : null);
    }

    @Test
    void oneReadableLinePerEndpointWithNewTraffic() {
        // as in dev mode: a composite whose first child is a disabled sink, then the Prometheus registry
        CompositeMeterRegistry registry = new CompositeMeterRegistry();
        SimpleMeterRegistry disabledSink = new SimpleMeterRegistry();
        disabledSink.config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.deny());
        registry.add(disabledSink);
        registry.add(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        var meters = InferenceMetersAccess.create(registry, null, TestConfigs.sagewatch(Map.of()));
        DevMetricsSummary summary = new DevMetricsSummary(registry);
        meters.record(outcome(null, 10));
        meters.record(outcome(null, 30));
        meters.record(outcome(InferenceError.of(ErrorType.THROTTLING, "slow down"), 5));
        meters.record(outcome(InferenceError.of(ErrorType.INTERNAL_FAILURE, "boom"), 5));

        List<String> lines = summary.summary();
        assertThat(lines).hasSize(2); // AllTraffic, and "none" for the failures SageMaker answered no variant for
        assertThat(lines.get(1)).startsWith("demo-llm (none): 2 invocations, 1 4xx, 1 5xx, 1 throttled");
        assertThat(lines.get(0))
                .startsWith("demo-llm (AllTraffic): 2 invocations, 0 4xx, 0 5xx, 0 throttled")
                .contains("tokens in/out 12/32")
                .contains("est. cost $0.0040")
                // 12 ms and 32 ms: the median lies in the bucket holding 12 ms, the p99 in the one holding 32 ms
                .containsPattern("latency p50 ≤1[2-9]\\.\\d ms p99 ≤3[2-9]\\.\\d ms");

        assertThat(summary.summary()).as("no new traffic, no line").isEmpty();
        meters.record(outcome(null, 20));
        assertThat(summary.summary()).singleElement().asString().startsWith("demo-llm (AllTraffic): 3 invocations");
    }

    @Test
    void streamsAddTimeToFirstTokenAndTheGapsBetweenTokens() {
        CompositeMeterRegistry registry = new CompositeMeterRegistry();
        registry.add(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        var meters = InferenceMetersAccess.create(registry, null, TestConfigs.sagewatch(Map.of()));
        DevMetricsSummary summary = new DevMetricsSummary(registry);
        InferenceOutcome plain = outcome(null, 10);
        ModelResponse head = plain.response();
        meters.streamStarted(plain.request(), head);
        for (int i = 0; i < 10; i++) {
            meters.partDelivered(plain.request(), head, i == 0 ? -1 : 20_000_000L);
        }
        meters.record(InferenceOutcome.streamed(
                plain.request(),
                plain.modelCall(),
                plain.tokens(),
                plain.costUsd(),
                new StreamStats(45_000_000L, 44_500_000L, 10, 100, 20_000_000L, 20_000_000L, 180_000_000L, false)));
        assertThat(summary.summary())
                .singleElement()
                .asString()
                // 45 ms: the histogram bucket holding it ends a little above
                .containsPattern("streams 1, time to first token p50 ≤(4[5-9]|5\\d)\\.\\d ms")
                .contains("gateway's share mean 0.50 ms")
                .containsPattern("between tokens p50 ≤2[0-9]\\.\\d ms");
    }

    /** A window too small to check says so, rather than "0 violations"; an evaluated one gives its count. */
    @Test
    void aWindowThatWasNotEvaluatedIsNotReportedAsClean() {
        CompositeMeterRegistry registry = new CompositeMeterRegistry();
        registry.add(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        ModelHealthMeters health = new ModelHealthMeters(registry, "sagewatch", List.of());
        DevMetricsSummary summary = new DevMetricsSummary(registry);
        health.window("demo-llm", "demo-llm", 3, List.of(), Map.of(), false);
        assertThat(summary.summary())
                .singleElement()
                .asString()
                .isEqualTo("demo-llm model health (latest window): not evaluated (no baseline, or fewer rows than"
                        + " min-samples)");
        health.window("demo-llm", "demo-llm", 300, List.of(), Map.of("baseline_drift_check", 2L), true);
        assertThat(summary.summary())
                .singleElement()
                .asString()
                .isEqualTo("demo-llm model health (latest window): 2 violations");
    }
}
