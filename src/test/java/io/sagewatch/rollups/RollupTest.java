package io.sagewatch.rollups;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Rollups add up: a latency quantile is within 1 % of the exact one; replicas' and minutes' rollups merged in any
 * order give the same figures as one rollup of all the values; a rollup read back from its bytes is the same.
 */
class RollupTest {

    @Test
    void quantilesAreWithinOnePercentOfTheExactValue() {
        Random random = new Random(11);
        for (int trial = 0; trial < 5; trial++) {
            int n = 1 + random.nextInt(20_000);
            double[] values = new double[n];
            LatencySketch sketch = new LatencySketch();
            for (int i = 0; i < n; i++) {
                // a few decades: a fast model with a slow tail, as latencies are
                values[i] = Math.exp(random.nextGaussian() * 1.5 + 3);
                sketch.add(values[i]);
            }
            Arrays.sort(values);
            for (double q : new double[] {0, 0.01, 0.5, 0.9, 0.99, 0.999, 1}) {
                double exact = values[(int) Math.floor(q * (n - 1))];
                assertThat(sketch.quantile(q))
                        .as("q=%s of %d values", q, n)
                        .isCloseTo(exact, within(exact * LatencySketch.ACCURACY + 1e-12));
            }
        }
    }

    @Test
    void zerosAndTheEmptySketchAreAnswered() {
        LatencySketch sketch = new LatencySketch();
        assertThat(sketch.quantile(0.5)).isNaN();
        sketch.add(0);
        sketch.add(0);
        sketch.add(5);
        sketch.add(Double.NaN); // not a latency: not counted
        assertThat(sketch.count()).isEqualTo(3);
        assertThat(sketch.quantile(0.5)).isZero();
        assertThat(sketch.quantile(1)).isCloseTo(5, within(0.05));
    }

    @Test
    void mergedInAnyOrderTheFiguresAreThoseOfOneRollup() {
        Random random = new Random(5);
        List<Rollup> parts = new ArrayList<>();
        LatencySketch all = new LatencySketch();
        for (int part = 0; part < 7; part++) {
            Rollup rollup = new Rollup();
            for (int i = 0; i < 300 + part * 50; i++) {
                double latency = Math.exp(random.nextGaussian() + 2);
                rollup.latency.add(latency);
                all.add(latency);
                rollup.invocations++;
                rollup.errors[random.nextInt(rollup.errors.length)] += random.nextInt(10) == 0 ? 1 : 0;
                rollup.inputTokens += 3;
                rollup.costUsd += 0.001;
            }
            parts.add(rollup);
        }
        Rollup forward = new Rollup();
        parts.forEach(forward::merge);
        Rollup backward = new Rollup();
        for (int i = parts.size() - 1; i >= 0; i--) {
            backward.merge(Rollup.fromBytes(parts.get(i).toBytes()));
        }
        assertThat(backward.toBytes())
                .isEqualTo(Rollup.fromBytes(forward.toBytes()).toBytes());
        assertThat(forward.invocations())
                .isEqualTo(parts.stream().mapToLong(Rollup::invocations).sum());
        assertThat(forward.errors())
                .isEqualTo(parts.stream().mapToLong(Rollup::errors).sum());
        for (double q : new double[] {0.5, 0.99}) {
            assertThat(forward.latency().quantile(q)).isEqualTo(all.quantile(q));
        }
    }

    @Test
    void aSpanKeySortsAsTimeAndReadsBack() {
        Instant at = Instant.parse("2026-12-07T19:05:31.123Z");
        assertThat(RollupLevel.MINUTE.key(RollupLevel.MINUTE.start(at))).isEqualTo("2026-12-07T19:05");
        assertThat(RollupLevel.HOUR.key(RollupLevel.HOUR.start(at))).isEqualTo("2026-12-07T19");
        assertThat(RollupLevel.DAY.key(RollupLevel.DAY.start(at))).isEqualTo("2026-12-07");
        for (RollupLevel level : RollupLevel.values()) {
            Instant start = level.start(at);
            assertThat(level.parse(level.key(start))).isEqualTo(start);
        }
    }
}
