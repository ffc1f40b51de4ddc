package io.sagewatch.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Tag;

/**
 * A Micrometer registry that writes CloudWatch Embedded Metric Format lines. Created at runtime (nothing is fixed at
 * build time, so it works in a native image). Each {@link #publish} writes what happened since the previous one, so it
 * can run per step (ECS) or at the end of every invocation (Lambda, before the response, so a frozen process loses
 * nothing). Timers and distribution summaries are written as arrays of their recorded values, at most
 * {@value #MAX_VALUES} values and {@value #MAX_METRICS} metrics a line, split beyond, so that CloudWatch computes
 * percentiles from them. A line holds the meters of one tag set, published under that set and its rollups.
 */
public class EmfMeterRegistry extends DeltaMeterRegistry {

    public static final int MAX_VALUES = 100;
    public static final int MAX_METRICS = 100;

    private final String namespace;
    private final Consumer<String> out;

    public EmfMeterRegistry(String namespace, Duration step, int maxValuesPerStep, Clock clock, Consumer<String> out) {
        super("emf", step, maxValuesPerStep, clock);
        this.namespace = namespace;
        this.out = out;
    }

    @Override
    protected void publish() {
        publish(Map.of());
    }

    /** Writes everything recorded since the last publish; {@code properties} go to each line as plain members. */
    public synchronized void publish(Map<String, ?> properties) {
        long timestamp = clock.wallTime();
        collect().forEach((tags, metrics) -> write(timestamp, tags, metrics, properties));
        for (StatisticSet set : drainStatisticSets()) {
            write(timestamp, set);
        }
    }

    /**
     * A statistic set as one line under exactly its dimensions. EMF carries values, not statistic sets: a set of many
     * values is written as its mean (CloudWatch's Average is then exact; Min, Max and SampleCount are not: the
     * PutMetricData sink writes the whole set).
     */
    private void write(long timestamp, StatisticSet set) {
        ObjectNode line = JsonNodeFactory.instance.objectNode();
        ObjectNode directive = JsonNodeFactory.instance.objectNode().put("Namespace", namespace);
        ArrayNode keys = directive.putArray("Dimensions").addArray();
        set.dimensions().forEach(tag -> {
            keys.add(tag.getKey());
            line.put(tag.getKey(), tag.getValue());
        });
        directive.putArray("Metrics").addObject().put("Name", set.name()).put("Unit", "None");
        line.put(set.name(), set.sum() / set.count());
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", timestamp);
        aws.putArray("CloudWatchMetrics").add(directive);
        out.accept(line.toString());
    }

    /** One dimension set: as many lines as it takes to keep every line within the EMF limits. */
    private void write(long timestamp, List<Tag> tags, List<MetricValues> metrics, Map<String, ?> properties) {
        int[] offsets = new int[metrics.size()];
        boolean more = true;
        while (more) {
            more = false;
            ObjectNode line = JsonNodeFactory.instance.objectNode();
            ObjectNode directive = JsonNodeFactory.instance.objectNode().put("Namespace", namespace);
            ArrayNode dimensionSets = directive.putArray("Dimensions");
            for (List<Tag> set : dimensionSets(tags)) {
                ArrayNode keys = dimensionSets.addArray();
                set.forEach(tag -> keys.add(tag.getKey()));
            }
            tags.forEach(tag -> line.put(tag.getKey(), tag.getValue()));
            ArrayNode definitions = directive.putArray("Metrics");
            int inLine = 0;
            for (int i = 0; i < metrics.size(); i++) {
                MetricValues metric = metrics.get(i);
                if (offsets[i] >= metric.values().size()) {
                    continue;
                }
                if (inLine == MAX_METRICS) {
                    more = true;
                    break;
                }
                int end = Math.min(offsets[i] + MAX_VALUES, metric.values().size());
                List<Double> chunk = metric.values().subList(offsets[i], end);
                offsets[i] = end;
                more |= end < metric.values().size();
                definitions.addObject().put("Name", metric.name()).put("Unit", metric.unit());
                if (chunk.size() == 1) {
                    line.put(metric.name(), chunk.get(0));
                } else {
                    ArrayNode array = line.putArray(metric.name());
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
}
