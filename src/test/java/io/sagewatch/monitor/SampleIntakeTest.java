package io.sagewatch.monitor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.metrics.ModelHealthMeters;
import io.sagewatch.testing.TestConfigs;
import io.sagewatch.testing.TestRequests;

import static org.assertj.core.api.Assertions.assertThat;

class SampleIntakeTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private SampleIntake intake(Map<String, String> settings) {
        return new SampleIntake(
                TestConfigs.sagewatch(settings), new ModelHealthMeters(registry, "sagewatch", List.of()));
    }

    private static MonitorSettings settings(Map<String, String> properties) {
        SagewatchConfig config = TestConfigs.sagewatch(properties);
        return MonitorSettings.of("churn", config.endpoint().get("churn").monitor());
    }

    private static InferenceOutcome outcome(int bodyBytes) {
        InferenceRequest request =
                TestRequests.of("r", "i", "churn", new byte[bodyBytes], "text/csv", System.nanoTime());
        return InferenceOutcome.of(
                request,
                new ModelCall(new ModelResponse(new byte[] {1}, "text/csv", null, null, null, null), null, 1, 1),
                TokenUsage.NONE,
                null);
    }

    private double dropped(String reason) {
        var counter = registry.find(ModelHealthMeters.SAMPLES_DROPPED)
                .tag("reason", reason)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void theCapPerSecondHoldsAndResetsEverySecond() {
        SampleIntake intake = intake(Map.of());
        long second = 1_796_060_000L; // an epoch second of today: wider than 32 bits once shifted
        for (int i = 0; i < 5; i++) {
            assertThat(intake.withinCap("churn", 5, second)).isTrue();
        }
        assertThat(intake.withinCap("churn", 5, second)).isFalse();
        assertThat(intake.withinCap("other", 5, second)).isTrue();
        assertThat(intake.withinCap("churn", 5, second + 1)).isTrue();
    }

    @Test
    void beyondTheCapSamplesAreDroppedAndCounted() {
        SampleIntake intake = intake(Map.of());
        MonitorSettings churn = settings(Map.of(
                "sagewatch.endpoint.churn.monitor.enabled",
                "true",
                "sagewatch.endpoint.churn.monitor.max-samples-per-second",
                "3"));
        int queued = 0;
        for (int i = 0; i < 50; i++) {
            queued += intake.offer(churn, outcome(10)) ? 1 : 0;
        }
        // 3 a second: at most two seconds can begin during the loop
        assertThat(queued).isBetween(3, 6);
        assertThat(dropped("rate_cap")).isEqualTo(50 - queued);
    }

    @Test
    void aFullQueueDropsInsteadOfWaiting() throws Exception {
        SampleIntake intake =
                intake(Map.of("sagewatch.monitor.queue-capacity", "2", "sagewatch.monitor.queue-max-bytes", "1000"));
        MonitorSettings churn = settings(Map.of(
                "sagewatch.endpoint.churn.monitor.enabled",
                "true",
                "sagewatch.endpoint.churn.monitor.max-samples-per-second",
                "1000"));
        assertThat(intake.offer(churn, outcome(10))).isTrue();
        assertThat(intake.offer(churn, outcome(10))).isTrue();
        assertThat(intake.offer(churn, outcome(10))).isFalse(); // count
        assertThat(intake.poll(1, TimeUnit.SECONDS)).isNotNull();
        assertThat(intake.offer(churn, outcome(2000))).isFalse(); // bytes
        assertThat(dropped("queue_full")).isEqualTo(2);
        assertThat(intake.offer(churn, outcome(10))).isTrue();
    }
}
