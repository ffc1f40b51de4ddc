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
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
 * A Micrometer registry that writes CloudWatch Embedded Metric Format lines. Created at runtime (nothing is fixed at
 * build time, so it works in a native image). Meters are cumulative; each {@link #publish} writes what happened since
 * the previous one, so it can run per step (ECS) or at the end of every invocation (Lambda, before the response, so a
 * frozen process loses nothing). Timers and distribution summaries are written as arrays of their recorded values, at
 * most {@value #MAX_VALUES} values and {@value #MAX_METRICS} metrics a line, split beyond, so that CloudWatch computes
 * percentiles from them. One dimension set per line: the meter's tags.
 */
public class EmfMeterRegistry extends PushMeterRegistry {

    public static final int MAX_VALUES = 100;
    public static final int MAX_METRICS = 100;

    private final String namespace;
    private final Duration step;
    private final int maxValuesPerPublish;
    private final Consumer<String> out;
    private final Map<Meter.Id, Double> lastCounts = new HashMap<>();
    private final Map<String, Object> noProperties = Map.of();

    public EmfMeterRegistry(String namespace, Duration step, int maxValuesPerPublish, Clock clock,
            Consumer<String> out) {
        super(config(step), clock);
        this.namespace = namespace;
        this.step = step;
        this.maxValuesPerPublish = maxValuesPerPublish;
        this.out = out;
    }

    private static PushRegistryConfig config(Duration step) {
        return new PushRegistryConfig() {
            @Override
            public String prefix() {
                return "emf";
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

    @Override
    protected void publish() {
        publish(noProperties);
    }

    /** Writes everything recorded since the last publish; {@code properties} go to each line as plain members. */
    public synchronized void publish(Map<String, ?> properties) {
        Map<List<Tag>, List<MetricValues>> byDimensions = new LinkedHashMap<>();
        for (Meter meter : getMeters()) {
            MetricValues values = collect(meter);
            if (values != null && !values.values.isEmpty()) {
                byDimensions.computeIfAbsent(meter.getId().getTags(), tags -> new ArrayList<>()).add(values);
            }
        }
        long timestamp = clock.wallTime();
        byDimensions.forEach((tags, metrics) -> write(timestamp, tags, metrics, properties));
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
        String unit = meter.getId().getBaseUnit() == null ? "Count" : unit(meter.getId().getBaseUnit());
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

    /** One dimension set: as many lines as it takes to keep every line within the EMF limits. */
    private void write(long timestamp, List<Tag> tags, List<MetricValues> metrics, Map<String, ?> properties) {
        int[] offsets = new int[metrics.size()];
        boolean more = true;
        while (more) {
            more = false;
            ObjectNode line = JsonNodeFactory.instance.objectNode();
            ObjectNode directive = JsonNodeFactory.instance.objectNode().put("Namespace", namespace);
            ArrayNode dimensions = directive.putArray("Dimensions").addArray();
            tags.forEach(tag -> {
                dimensions.add(tag.getKey());
                line.put(tag.getKey(), tag.getValue());
            });
            ArrayNode definitions = directive.putArray("Metrics");
            int inLine = 0;
            for (int i = 0; i < metrics.size(); i++) {
                MetricValues metric = metrics.get(i);
                if (offsets[i] >= metric.values.size()) {
                    continue;
                }
                if (inLine == MAX_METRICS) {
                    more = true;
                    break;
                }
                int end = Math.min(offsets[i] + MAX_VALUES, metric.values.size());
                List<Double> chunk = metric.values.subList(offsets[i], end);
                offsets[i] = end;
                more |= end < metric.values.size();
                definitions.addObject().put("Name", metric.name).put("Unit", metric.unit);
                if (chunk.size() == 1) {
                    line.put(metric.name, chunk.get(0));
                } else {
                    ArrayNode array = line.putArray(metric.name);
                    chunk.forEach(array::add);
                }
                inLine++;
            }
            if (inLine == 0) {
                return;
            }
            properties.forEach((key, value) -> line.put(key, String.valueOf(value)));
            ObjectNode aws = line.putObject("_aws");
            aws.put("Timestamp", timestamp);
            aws.putArray("CloudWatchMetrics").add(directive);
            out.accept(line.toString());
        }
    }

    private record MetricValues(String name, String unit, List<Double> values) {
    }

    @Override
    protected TimeUnit getBaseTimeUnit() {
        return TimeUnit.MILLISECONDS;
    }

    @Override
    protected DistributionStatisticConfig defaultHistogramConfig() {
        return DistributionStatisticConfig.builder().expiry(step).build()
                .merge(DistributionStatisticConfig.DEFAULT);
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
        return new ValuesTimer(id, clock, config, pauseDetector, getBaseTimeUnit(), maxValuesPerPublish);
    }

    @Override
    protected DistributionSummary newDistributionSummary(Meter.Id id, DistributionStatisticConfig config,
            double scale) {
        return new ValuesSummary(id, clock, config, scale, maxValuesPerPublish);
    }

    @Override
    protected Meter newMeter(Meter.Id id, Meter.Type type, Iterable<Measurement> measurements) {
        return new DefaultMeter(id, type, measurements);
    }

    @Override
    protected <T> FunctionTimer newFunctionTimer(Meter.Id id, T obj, ToLongFunction<T> countFunction,
            ToDoubleFunction<T> totalTimeFunction, TimeUnit totalTimeFunctionUnit) {
        return new CumulativeFunctionTimer<>(id, obj, countFunction, totalTimeFunction, totalTimeFunctionUnit,
                getBaseTimeUnit());
    }

    @Override
    protected <T> FunctionCounter newFunctionCounter(Meter.Id id, T obj, ToDoubleFunction<T> countFunction) {
        return new CumulativeFunctionCounter<>(id, obj, countFunction);
    }

    /** Recorded values waiting for the next publish; beyond the cap a value still counts in count/total/max only. */
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

        ValuesTimer(Meter.Id id, Clock clock, DistributionStatisticConfig config, PauseDetector pauseDetector,
                TimeUnit baseTimeUnit, int cap) {
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
