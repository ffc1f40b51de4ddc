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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Clock;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;

/**
 * The PutMetricData sink, for servers without log-based metrics. Publishes every step on its own thread, never in the
 * request path: at most {@value #MAX_DATUMS_PER_CALL} datums a call, timers and summaries as Values/Counts (at most
 * {@value #MAX_VALUES_PER_DATUM} distinct values a datum, values rounded to three significant digits) so CloudWatch
 * computes percentiles; batches also stay under the 1 MB request limit. Calls that fail after the SDK's retries wait
 * for the next step in a bounded queue (when it is full the oldest are dropped and counted); a batch CloudWatch
 * refuses for good (4xx other than throttling) is dropped at once. Closing publishes one last time.
 */
public class CloudWatchMeterRegistry extends DeltaMeterRegistry {

    public static final int MAX_DATUMS_PER_CALL = 1000;
    public static final int MAX_VALUES_PER_DATUM = 150;
    /** Below PutMetricData's 1 MB request limit, with room for the envelope. */
    static final long MAX_CALL_BYTES = 900_000;

    private static final MathContext THREE_DIGITS = new MathContext(3);
    private static final Logger LOG = Logger.getLogger(CloudWatchMeterRegistry.class);

    private final String namespace;
    private final CloudWatchAsyncClient client;
    private final int maxPendingCalls;
    private final Duration callTimeout;
    private final Deque<PutMetricDataRequest> pending = new ArrayDeque<>();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong droppedCalls = new AtomicLong();

    public CloudWatchMeterRegistry(
            String namespace,
            Duration step,
            int maxValuesPerStep,
            int maxPendingCalls,
            Duration callTimeout,
            Clock clock,
            CloudWatchAsyncClient client) {
        super("cloudwatch", step, maxValuesPerStep, clock);
        this.namespace = namespace;
        this.client = client;
        this.maxPendingCalls = maxPendingCalls;
        this.callTimeout = callTimeout;
    }

    java.util.Optional<CloudWatchAsyncClient> client() {
        return java.util.Optional.ofNullable(client);
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
            for (List<io.micrometer.core.instrument.Tag> set : dimensionSets(tags)) {
                List<Dimension> dimensions = set.stream()
                        .map(tag -> Dimension.builder()
                                .name(tag.getKey())
                                .value(tag.getValue())
                                .build())
                        .toList();
                metrics.forEach(metric -> datums.addAll(datums(metric, dimensions, timestamp)));
            }
        });
        for (StatisticSet set : drainStatisticSets()) {
            datums.add(datum(set, timestamp));
        }
        List<MetricDatum> batch = new ArrayList<>();
        long batchBytes = 0;
        for (MetricDatum datum : datums) {
            long size = estimatedBytes(datum);
            if (batch.size() == MAX_DATUMS_PER_CALL || batchBytes + size > MAX_CALL_BYTES) {
                enqueue(batch);
                batch = new ArrayList<>();
                batchBytes = 0;
            }
            batch.add(datum);
            batchBytes += size;
        }
        if (!batch.isEmpty()) {
            enqueue(batch);
        }
        while (!pending.isEmpty()) {
            CompletableFuture<?> call = client.putMetricData(pending.peek());
            try {
                call.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
                pending.poll();
                calls.incrementAndGet();
            } catch (InterruptedException e) {
                call.cancel(true);
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                if (isPermanent(e.getCause())) {
                    // retrying will not help (bad parameter, access denied): drop it, don't block the rest
                    pending.poll();
                    droppedCalls.incrementAndGet();
                    LOG.errorf(
                            "PutMetricData refused a batch, dropped: %s",
                            e.getCause().toString());
                    continue;
                }
                // the SDK retried with backoff already; keep the batch for the next step
                LOG.warnf(
                        "PutMetricData failed, %d batches wait for the next step: %s",
                        pending.size(), e.getCause().toString());
                return;
            } catch (TimeoutException e) {
                call.cancel(true); // so a late success cannot be sent twice
                LOG.warnf("PutMetricData timed out, %d batches wait for the next step", pending.size());
                return;
            }
        }
    }

    private void enqueue(List<MetricDatum> batch) {
        if (pending.size() == maxPendingCalls) {
            pending.poll();
            droppedCalls.incrementAndGet();
            LOG.warn("CloudWatch metrics queue full: the oldest batch was dropped");
        }
        pending.add(PutMetricDataRequest.builder()
                .namespace(namespace)
                .metricData(List.copyOf(batch))
                .build());
    }

    static boolean isPermanent(Throwable failure) {
        return failure instanceof AwsServiceException service
                && service.statusCode() >= 400
                && service.statusCode() < 500
                && !service.isThrottlingException();
    }

    /** A generous estimate of a datum's encoded size, to keep a call under the 1 MB request limit. */
    static long estimatedBytes(MetricDatum datum) {
        long bytes = 64 + datum.metricName().length();
        for (Dimension dimension : datum.dimensions()) {
            bytes += 16 + dimension.name().length() + dimension.value().length();
        }
        return bytes + 24L * (datum.values().size() + datum.counts().size());
    }

    /** One datum per counter or gauge value; timers and summaries as Values/Counts, split at 150 distinct values. */
    /** One value as a Value; more as StatisticValues, which CloudWatch's Min, Max, Sum, SampleCount read exactly. */
    static MetricDatum datum(StatisticSet set, Instant timestamp) {
        MetricDatum.Builder datum = MetricDatum.builder()
                .metricName(set.name())
                .timestamp(timestamp)
                .unit("None")
                .dimensions(set.dimensions().stream()
                        .map(tag -> Dimension.builder()
                                .name(tag.getKey())
                                .value(tag.getValue())
                                .build())
                        .toList());
        if (set.count() == 1) {
            return datum.value(set.sum()).build();
        }
        return datum.statisticValues(s -> s.sampleCount((double) set.count())
                        .sum(set.sum())
                        .minimum(set.min())
                        .maximum(set.max()))
                .build();
    }

    static List<MetricDatum> datums(MetricValues metric, List<Dimension> dimensions, Instant timestamp) {
        StandardUnit unit = StandardUnit.fromValue(metric.unit());
        if (metric.values().size() == 1) {
            return List.of(MetricDatum.builder()
                    .metricName(metric.name())
                    .dimensions(dimensions)
                    .timestamp(timestamp)
                    .unit(unit)
                    .value(metric.values().get(0))
                    .build());
        }
        Map<Double, Double> counts = new TreeMap<>();
        for (double value : metric.values()) {
            counts.merge(roundToThreeDigits(value), 1.0, Double::sum);
        }
        List<Double> values = new ArrayList<>(counts.keySet());
        List<MetricDatum> datums = new ArrayList<>();
        for (int from = 0; from < values.size(); from += MAX_VALUES_PER_DATUM) {
            List<Double> chunk = values.subList(from, Math.min(from + MAX_VALUES_PER_DATUM, values.size()));
            datums.add(MetricDatum.builder()
                    .metricName(metric.name())
                    .dimensions(dimensions)
                    .timestamp(timestamp)
                    .unit(unit)
                    .values(chunk)
                    .counts(chunk.stream().map(counts::get).toList())
                    .build());
        }
        return datums;
    }

    static double roundToThreeDigits(double value) {
        return value == 0 ? 0 : new BigDecimal(value).round(THREE_DIGITS).doubleValue();
    }
}
