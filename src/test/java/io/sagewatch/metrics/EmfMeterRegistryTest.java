package io.sagewatch.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EmfMeterRegistryTest {

    private final List<String> out = new ArrayList<>();
    private final MockClock clock = new MockClock();
    private final EmfMeterRegistry registry =
            new EmfMeterRegistry("Sagewatch", Duration.ofMinutes(1), 10_000, clock, out::add);
    private final Tags tags = Tags.of("endpoint", "llm", "service", "sagewatch", "variant", "AllTraffic");

    private List<JsonNode> published(Map<String, ?> properties) {
        out.clear();
        registry.publish(properties);
        return out.stream().map(EmfLines::parseValid).toList();
    }

    @Test
    void timersAreWrittenAsValueArraysSplitAtOneHundredAndPercentilesSurvive() {
        Timer timer = Timer.builder("ModelLatency").tags(tags).register(registry);
        List<Double> recorded = new ArrayList<>();
        for (int i = 1; i <= 250; i++) {
            long micros = (i * 7919L) % 250_000 + 1_000; // spread, unordered
            timer.record(micros, TimeUnit.MICROSECONDS);
            recorded.add(micros / 1000.0);
        }
        List<JsonNode> lines = published(Map.of());
        assertEquals(3, lines.size(), "250 values: 100 + 100 + 50");
        JsonNode first = lines.get(0);
        assertEquals(
                "Sagewatch",
                first.path("_aws")
                        .path("CloudWatchMetrics")
                        .get(0)
                        .path("Namespace")
                        .asText());
        assertEquals(
                "Milliseconds",
                first.path("_aws")
                        .path("CloudWatchMetrics")
                        .get(0)
                        .path("Metrics")
                        .get(0)
                        .path("Unit")
                        .asText());
        EmfLines.assertInferenceDimensions(first);
        assertEquals("llm", first.path("endpoint").asText());

        List<Double> written = EmfLines.values(lines, "ModelLatency");
        assertThat(written).containsExactlyInAnyOrderElementsOf(recorded);
        assertEquals(percentile(recorded, 0.99), percentile(written, 0.99));
        assertEquals(percentile(recorded, 0.50), percentile(written, 0.50));

        assertThat(published(Map.of())).as("nothing new, nothing written").isEmpty();
    }

    @Test
    void countersWriteWhatHappenedSinceTheLastPublish() {
        Counter counter = Counter.builder("Invocations").tags(tags).register(registry);
        DistributionSummary bytes = DistributionSummary.builder("RequestBytes")
                .baseUnit("bytes")
                .tags(tags)
                .register(registry);
        counter.increment(3);
        bytes.record(512);
        List<JsonNode> lines = published(Map.of("inference_id", "abc"));
        assertEquals(1, lines.size(), "one dimension set, one line");
        assertEquals(3.0, lines.get(0).path("Invocations").asDouble());
        assertEquals(512.0, lines.get(0).path("RequestBytes").asDouble());
        assertEquals("abc", lines.get(0).path("inference_id").asText(), "properties are members, not dimensions");
        EmfLines.assertInferenceDimensions(lines.get(0));

        counter.increment(2);
        assertEquals(2.0, published(Map.of()).get(0).path("Invocations").asDouble());
        assertEquals(5.0, counter.count(), "the meter itself stays cumulative");
    }

    @Test
    void aLineNeverCarriesMoreThanOneHundredMetrics() {
        for (int i = 0; i < 150; i++) {
            registry.counter("Metric" + i, tags).increment();
        }
        List<JsonNode> lines = published(Map.of());
        assertEquals(2, lines.size());
        assertEquals(
                150,
                lines.stream()
                        .mapToInt(l -> l.path("_aws")
                                .path("CloudWatchMetrics")
                                .get(0)
                                .path("Metrics")
                                .size())
                        .sum());
    }

    private static double percentile(List<Double> values, double p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.ceil(p * sorted.size()) - 1);
    }
}
