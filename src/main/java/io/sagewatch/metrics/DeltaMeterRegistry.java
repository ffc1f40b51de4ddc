package io.sagewatch.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeCounter;
import io.micrometer.core.instrument.cumulative.CumulativeDistributionSummary;
import io.micrometer.core.instrument.cumulative.CumulativeFunctionCounter;
import io.micrometer.core.instrument.cumulative.CumulativeFunctionTimer;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.internal.DefaultGauge;
import io.micrometer.core.instrument.internal.DefaultLongTaskTimer;
import io.micrometer.core.instrument.internal.DefaultMeter;
import io.micrometer.core.instrument.push.PushMeterRegistry;
import io.micrometer.core.instrument.push.PushRegistryConfig;

/**
 * The CloudWatch sinks' common ground: cumulative meters (so Micrometer's semantics hold whatever the publishing
 * cadence) whose timers and summaries also keep their recorded values, and {@link #collect()}, which returns what
 * happened since the previous collect, grouped by dimension set. Publishing can so run per step or per inference.
 */
public abstract class DeltaMeterRegistry extends PushMeterRegistry {

    private final Duration step;
    private final int maxValuesPerStep;
    private final Map<Meter.Id, Double> lastCounts = new HashMap<>();
    private final ConcurrentLinkedQueue<StatisticSet> statisticSets = new ConcurrentLinkedQueue<>();

    protected DeltaMeterRegistry(String prefix, Duration step, int maxValuesPerStep, Clock clock) {
        super(config(prefix, step), clock);
        this.step = step;
        this.maxValuesPerStep = maxValuesPerStep;
    }

    private static PushRegistryConfig config(String prefix, Duration step) {
        return new PushRegistryConfig() {
            @Override
            public String prefix() {
                return prefix;
            }

            @Override
            public String get(String key) {
                return null;
            }

            @Override
            public Duration step() {
                return step;
            }
        };
    }

    /**
     * The dimension sets a meter is published under: its own tags, and the rollups CloudWatch alarms need across
     * variants and endpoints — without {@code variant}, and {@code service} alone. Values are not repeated in EMF
     * (one line lists all sets); PutMetricData sends a datum per set.
     */
    protected static List<List<Tag>> dimensionSets(List<Tag> tags) {
        List<List<Tag>> sets = new ArrayList<>();
        sets.add(tags);
        List<Tag> withoutVariant =
                tags.stream().filter(tag -> !tag.getKey().equals("variant")).toList();
        if (withoutVariant.size() < tags.size() && !withoutVariant.isEmpty()) {
            sets.add(withoutVariant);
        }
        List<Tag> serviceOnly =
                tags.stream().filter(tag -> tag.getKey().equals("service")).toList();
        if (!serviceOnly.isEmpty() && serviceOnly.size() < withoutVariant.size()) {
            sets.add(serviceOnly);
        }
        return sets;
    }

    /**
     * A figure aggregated elsewhere (a model-health window: its rows' count, sum, min and max), published once under
     * exactly its own dimensions, with no rollups.
     */
    public record StatisticSet(String name, List<Tag> dimensions, long count, double sum, double min, double max) {

        public static StatisticSet single(String name, List<Tag> dimensions, double value) {
            return new StatisticSet(name, dimensions, 1, value, value, value);
        }
    }

    /** Publishes a statistic set at the next publish, and only then. */
    public void publishOnce(StatisticSet set) {
        statisticSets.add(set);
    }

    /** The statistic sets given since the last call. */
    protected List<StatisticSet> drainStatisticSets() {
        List<StatisticSet> sets = new ArrayList<>();
        for (StatisticSet set = statisticSets.poll(); set != null; set = statisticSets.poll()) {
            sets.add(set);
        }
        return sets;
    }

    /** A metric's values since the last collect, in CloudWatch's unit. */
    protected record MetricValues(String name, String unit, List<Double> values) {}

    /** Everything since the previous call, by dimension set (the meter's tags); meters with nothing new are left out. */
    protected synchronized Map<List<Tag>, List<MetricValues>> collect() {
        Map<List<Tag>, List<MetricValues>> byDimensions = new LinkedHashMap<>();
        for (Meter meter : getMeters()) {
            MetricValues values = collect(meter);
            if (values != null && !values.values().isEmpty()) {
                byDimensions
                        .computeIfAbsent(meter.getId().getTags(), tags -> new ArrayList<>())
                        .add(values);
            }
        }
        return byDimensions;
    }

    private MetricValues collect(Meter meter) {
        String name = meter.getId().getName();
        if (meter instanceof ValuesTimer timer) {
            return new MetricValues(name, "Milliseconds", timer.drain());
        }
        if (meter instanceof ValuesSummary summary) {
            return new MetricValues(name, unit(meter.getId().getBaseUnit()), summary.drain());
        }
        if (meter instanceof Counter counter) {
            return delta(meter, name, counter.count());
        }
        if (meter instanceof FunctionCounter counter) {
            return delta(meter, name, counter.count());
        }
        if (meter instanceof TimeGauge gauge) {
            return single(name, "Milliseconds", gauge.value(TimeUnit.MILLISECONDS));
        }
        if (meter instanceof Gauge gauge) {
            return single(name, unit(meter.getId().getBaseUnit()), gauge.value());
        }
        if (meter instanceof FunctionTimer timer) {
            return delta(meter, name, timer.count());
        }
        if (meter instanceof LongTaskTimer timer) {
            return single(name, "Count", timer.activeTasks());
        }
        return null;
    }

    private MetricValues delta(Meter meter, String name, double total) {
        Double last = lastCounts.put(meter.getId(), total);
        double delta = total - (last == null ? 0 : last);
        String unit = meter.getId().getBaseUnit() == null
                ? "Count"
                : unit(meter.getId().getBaseUnit());
        return delta > 0 ? new MetricValues(name, unit, List.of(delta)) : null;
    }

    private static MetricValues single(String name, String unit, double value) {
        return Double.isFinite(value) ? new MetricValues(name, unit, List.of(value)) : null;
    }

    /** CloudWatch's unit names for the base units our meters use; anything else is "None". */
    static String unit(String baseUnit) {
        if (baseUnit == null) {
            return "None";
        }
        return switch (baseUnit.toLowerCase()) {
            case "bytes" -> "Bytes";
            case "milliseconds" -> "Milliseconds";
            case "seconds" -> "Seconds";
            case "percent" -> "Percent";
            default -> "None";
        };
    }

    @Override
    protected TimeUnit getBaseTimeUnit() {
        return TimeUnit.MILLISECONDS;
    }

    @Override
    protected DistributionStatisticConfig defaultHistogramConfig() {
        return DistributionStatisticConfig.builder().expiry(step).build().merge(DistributionStatisticConfig.DEFAULT);
    }

    @Override
    protected <T> Gauge newGauge(Meter.Id id, T obj, ToDoubleFunction<T> valueFunction) {
        return new DefaultGauge<>(id, obj, valueFunction);
    }

    @Override
    protected Counter newCounter(Meter.Id id) {
        return new CumulativeCounter(id);
    }

    @Override
    protected LongTaskTimer newLongTaskTimer(Meter.Id id, DistributionStatisticConfig config) {
        return new DefaultLongTaskTimer(id, clock, getBaseTimeUnit(), config, false);
    }

    @Override
    protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
        return new ValuesTimer(id, clock, config, pauseDetector, getBaseTimeUnit(), maxValuesPerStep);
    }

    @Override
    protected DistributionSummary newDistributionSummary(
            Meter.Id id, DistributionStatisticConfig config, double scale) {
        return new ValuesSummary(id, clock, config, scale, maxValuesPerStep);
    }

    @Override
    protected Meter newMeter(Meter.Id id, Meter.Type type, Iterable<Measurement> measurements) {
        return new DefaultMeter(id, type, measurements);
    }

    @Override
    protected <T> FunctionTimer newFunctionTimer(
            Meter.Id id,
            T obj,
            ToLongFunction<T> countFunction,
            ToDoubleFunction<T> totalTimeFunction,
            TimeUnit totalTimeFunctionUnit) {
        return new CumulativeFunctionTimer<>(
                id, obj, countFunction, totalTimeFunction, totalTimeFunctionUnit, getBaseTimeUnit());
    }

    @Override
    protected <T> FunctionCounter newFunctionCounter(Meter.Id id, T obj, ToDoubleFunction<T> countFunction) {
        return new CumulativeFunctionCounter<>(id, obj, countFunction);
    }

    /**
     * Recorded values waiting for the next publish, at most {@code cap}: beyond, a value is kept by the meter itself
     * (Micrometer's count, total, max) but not published to CloudWatch.
     */
    private static final class ValueBuffer {
        private final ConcurrentLinkedQueue<Double> values = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();
        private final int cap;

        ValueBuffer(int cap) {
            this.cap = cap;
        }

        void add(double value) {
            if (size.incrementAndGet() <= cap) {
                values.add(value);
            } else {
                size.decrementAndGet();
            }
        }

        List<Double> drain() {
            List<Double> drained = new ArrayList<>();
            Double value;
            while ((value = values.poll()) != null) {
                drained.add(value);
                size.decrementAndGet();
            }
            return drained;
        }
    }

    static final class ValuesTimer extends CumulativeTimer {
        private final ValueBuffer buffer;

        ValuesTimer(
                Meter.Id id,
                Clock clock,
                DistributionStatisticConfig config,
                PauseDetector pauseDetector,
                TimeUnit baseTimeUnit,
                int cap) {
            super(id, clock, config, pauseDetector, baseTimeUnit, false);
            this.buffer = new ValueBuffer(cap);
        }

        @Override
        protected void recordNonNegative(long amount, TimeUnit unit) {
            super.recordNonNegative(amount, unit);
            buffer.add(unit.toNanos(amount) / 1_000_000.0);
        }

        List<Double> drain() {
            return buffer.drain();
        }
    }

    static final class ValuesSummary extends CumulativeDistributionSummary {
        private final ValueBuffer buffer;

        ValuesSummary(Meter.Id id, Clock clock, DistributionStatisticConfig config, double scale, int cap) {
            super(id, clock, config, scale, false);
            this.buffer = new ValueBuffer(cap);
        }

        @Override
        protected void recordNonNegative(double amount) {
            super.recordNonNegative(amount);
            buffer.add(amount);
        }

        List<Double> drain() {
            return buffer.drain();
        }
    }
}
