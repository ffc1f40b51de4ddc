package io.sagewatch.metrics;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Clock;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/**
 * The PutMetricData sink, for servers without log-based metrics. Publishes every step on its own thread, never in the
 * request path: at most {@value #MAX_DATUMS_PER_CALL} datums a call, timers and summaries as Values/Counts (at most
 * {@value #MAX_VALUES_PER_DATUM} distinct values a datum, values rounded to three significant digits) so CloudWatch
 * computes percentiles. Calls that fail after the SDK's retries wait for the next step in a bounded queue; when it is
 * full the oldest are dropped and counted. Closing publishes one last time.
 */
public class CloudWatchMeterRegistry extends DeltaMeterRegistry {

    public static final int MAX_DATUMS_PER_CALL = 1000;
    public static final int MAX_VALUES_PER_DATUM = 150;
    private static final MathContext THREE_DIGITS = new MathContext(3);
    private static final Logger LOG = Logger.getLogger(CloudWatchMeterRegistry.class);

    private final String namespace;
    private final CloudWatchAsyncClient client;
    private final int maxPendingCalls;
    private final Duration callTimeout;
    private final Deque<PutMetricDataRequest> pending = new ArrayDeque<>();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong droppedCalls = new AtomicLong();

    public CloudWatchMeterRegistry(String namespace, Duration step, int maxValuesPerStep, int maxPendingCalls,
            Duration callTimeout, Clock clock, CloudWatchAsyncClient client) {
        super("cloudwatch", step, maxValuesPerStep, clock);
        this.namespace = namespace;
        this.client = client;
        this.maxPendingCalls = maxPendingCalls;
        this.callTimeout = callTimeout;
    }

    /** PutMetricData calls made so far (for the benchmark's calls-per-inference figure). */
    public long calls() {
        return calls.get();
    }

    public long droppedCalls() {
        return droppedCalls.get();
    }

    @Override
    public synchronized void publish() {
        Instant timestamp = Instant.ofEpochMilli(clock.wallTime());
        List<MetricDatum> datums = new ArrayList<>();
        collect().forEach((tags, metrics) -> {
            List<Dimension> dimensions = tags.stream()
                    .map(tag -> Dimension.builder().name(tag.getKey()).value(tag.getValue()).build()).toList();
            metrics.forEach(metric -> datums.addAll(datums(metric, dimensions, timestamp)));
        });
        for (int from = 0; from < datums.size(); from += MAX_DATUMS_PER_CALL) {
            List<MetricDatum> batch = datums.subList(from, Math.min(from + MAX_DATUMS_PER_CALL, datums.size()));
            if (pending.size() == maxPendingCalls) {
                pending.poll();
                droppedCalls.incrementAndGet();
                LOG.warn("CloudWatch metrics queue full: the oldest batch was dropped");
            }
            pending.add(PutMetricDataRequest.builder().namespace(namespace).metricData(List.copyOf(batch)).build());
        }
        while (!pending.isEmpty()) {
            try {
                client.putMetricData(pending.peek()).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
                pending.poll();
                calls.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // the SDK retried with backoff already; keep the batch for the next step
                LOG.warnf("PutMetricData failed, %d batches wait for the next step: %s", pending.size(), e.toString());
                return;
            }
        }
    }

    /** One datum per counter or gauge value; timers and summaries as Values/Counts, split at 150 distinct values. */
    static List<MetricDatum> datums(MetricValues metric, List<Dimension> dimensions, Instant timestamp) {
        StandardUnit unit = StandardUnit.fromValue(metric.unit());
        if (metric.values().size() == 1) {
            return List.of(MetricDatum.builder().metricName(metric.name()).dimensions(dimensions).timestamp(timestamp)
                    .unit(unit).value(metric.values().get(0)).build());
        }
        Map<Double, Double> counts = new TreeMap<>();
        for (double value : metric.values()) {
            counts.merge(roundToThreeDigits(value), 1.0, Double::sum);
        }
        List<Double> values = new ArrayList<>(counts.keySet());
        List<MetricDatum> datums = new ArrayList<>();
        for (int from = 0; from < values.size(); from += MAX_VALUES_PER_DATUM) {
            List<Double> chunk = values.subList(from, Math.min(from + MAX_VALUES_PER_DATUM, values.size()));
            datums.add(MetricDatum.builder().metricName(metric.name()).dimensions(dimensions).timestamp(timestamp)
                    .unit(unit).values(chunk).counts(chunk.stream().map(counts::get).toList()).build());
        }
        return datums;
    }

    static double roundToThreeDigits(double value) {
        return value == 0 ? 0 : new BigDecimal(value).round(THREE_DIGITS).doubleValue();
    }
}
