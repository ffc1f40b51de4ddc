package io.sagewatch.metrics;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.sagewatch.testing.CloudWatchCborBridge;
import io.sagewatch.testing.MotoServer;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.cloudwatch.model.CloudWatchException;
import software.amazon.awssdk.services.cloudwatch.model.Datapoint;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataResult;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.Statistic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PutMetricData end to end against moto_server (through {@link CloudWatchCborBridge}, which only re-encodes): what a
 * known sequence of inferences leaves in CloudWatch, read back with GetMetricStatistics. moto computes no percentiles, so percentile fidelity is checked on the Values/Counts sent.
 */
class CloudWatchMeterRegistryTest {

    static MotoServer moto;
    static CloudWatchCborBridge bridge;
    static CloudWatchAsyncClient client;
    static final List<PutMetricDataRequest> sent = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        moto = MotoServer.start();
        bridge = new CloudWatchCborBridge(moto.url());
        client = CloudWatchAsyncClient.builder()
                .endpointOverride(URI.create(bridge.url()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof PutMetricDataRequest put) {
                            sent.add(put);
                        }
                    }
                }))
                .build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (bridge != null) {
            bridge.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @Test
    void aKnownSequenceOfInferencesReadsBackFromCloudWatch() throws Exception {
        MockClock clock = new MockClock();
        clock.add(Instant.now().toEpochMilli() - clock.wallTime(), TimeUnit.MILLISECONDS);
        CloudWatchMeterRegistry registry = new CloudWatchMeterRegistry(
                "SagewatchTest", Duration.ofMinutes(1), 10_000, 10, Duration.ofSeconds(30), clock, client);
        Tags tags = Tags.of("endpoint", "llm", "service", "sagewatch", "variant", "AllTraffic");
        Counter invocations = Counter.builder("Invocations").tags(tags).register(registry);
        Timer latency = Timer.builder("ModelLatency").tags(tags).register(registry);
        List<Double> recorded = new ArrayList<>();
        for (int i = 1; i <= 400; i++) {
            invocations.increment();
            long micros = 5_000 + (i * 7919L) % 95_000;
            latency.record(micros, TimeUnit.MICROSECONDS);
            recorded.add(micros / 1000.0);
        }
        sent.clear();
        registry.publish();

        // what was sent: Values/Counts within the API's limits, percentiles intact to three significant digits
        List<MetricDatum> latencyDatums = sent.stream()
                .flatMap(r -> r.metricData().stream())
                .filter(d ->
                        d.metricName().equals("ModelLatency") && d.dimensions().size() == 3)
                .toList();
        assertThat(latencyDatums)
                .allMatch(d -> d.values().size() <= 150
                        && d.values().size() == d.counts().size());
        assertThat(sent).allMatch(r -> r.metricData().size() <= 1000);
        List<Double> expanded = new ArrayList<>();
        latencyDatums.forEach(d -> {
            for (int i = 0; i < d.values().size(); i++) {
                for (int c = 0; c < d.counts().get(i); c++) {
                    expanded.add(d.values().get(i));
                }
            }
        });
        assertEquals(400, expanded.size());
        for (double p : new double[] {0.5, 0.9, 0.99}) {
            assertThat(percentile(expanded, p))
                    .isCloseTo(percentile(recorded, p), org.assertj.core.data.Percentage.withPercentage(0.5));
        }

        // what CloudWatch holds
        List<Dimension> dimensions =
                List.of(dim("endpoint", "llm"), dim("service", "sagewatch"), dim("variant", "AllTraffic"));
        Datapoint count = statistics("Invocations", dimensions);
        assertEquals(400.0, count.sum());
        // the rollups the alarms read (across variants, across endpoints) are sent as datums of their own; moto
        // matches dimension subsets where CloudWatch matches exact sets, so they are checked as sent
        List<MetricDatum> invocationDatums = sent.stream()
                .flatMap(r -> r.metricData().stream())
                .filter(d -> d.metricName().equals("Invocations"))
                .toList();
        assertThat(invocationDatums)
                .extracting(d -> d.dimensions().stream().map(Dimension::name).toList())
                .containsExactlyInAnyOrder(
                        List.of("endpoint", "service", "variant"), List.of("endpoint", "service"), List.of("service"));
        assertThat(invocationDatums).allMatch(d -> d.value() == 400.0);
        Datapoint model = statistics("ModelLatency", dimensions);
        assertEquals(400.0, model.sampleCount());
        assertThat(model.maximum())
                .isCloseTo(Collections.max(recorded), org.assertj.core.data.Percentage.withPercentage(0.5));
        assertThat(model.sum())
                .isCloseTo(
                        recorded.stream().mapToDouble(Double::doubleValue).sum(),
                        org.assertj.core.data.Percentage.withPercentage(0.5));
        assertEquals(1, registry.calls(), "one PutMetricData call for all of it");

        MetricDataResult sum = client.getMetricData(b -> b.startTime(
                                Instant.now().minusSeconds(600))
                        .endTime(Instant.now().plusSeconds(600))
                        .metricDataQueries(q -> q.id("invocations")
                                .metricStat(m -> m.stat("Sum")
                                        .period(3600)
                                        .metric(x -> x.namespace("SagewatchTest")
                                                .metricName("Invocations")
                                                .dimensions(dimensions)))))
                .get()
                .metricDataResults()
                .get(0);
        assertEquals(List.of(400.0), sum.values(), "GetMetricData Sum");

        sent.clear();
        registry.publish();
        assertThat(sent).as("nothing new, no call").isEmpty();

        // shutdown: what was recorded since the last step is published by close()
        invocations.increment(5);
        registry.close();
        assertEquals(405.0, statistics("Invocations", dimensions).sum());
    }

    @Test
    void largePublishesAreSplitIntoCallsWithinTheApiLimits() {
        CloudWatchMeterRegistry registry = new CloudWatchMeterRegistry(
                "SagewatchTest", Duration.ofMinutes(1), 10_000, 10, Duration.ofSeconds(30), new MockClock(), client);
        for (int i = 0; i < 1_500; i++) {
            registry.counter("Metric" + i, "endpoint", "e" + (i % 7)).increment();
        }
        sent.clear();
        registry.publish();
        assertEquals(2, sent.size(), "1 500 datums: 1 000 + 500");
        assertThat(sent).allMatch(r -> r.metricData().size() <= CloudWatchMeterRegistry.MAX_DATUMS_PER_CALL);
        assertEquals(1_500, sent.stream().mapToInt(r -> r.metricData().size()).sum());
        assertEquals(2, registry.calls());
        registry.close();
    }

    @Test
    void onlyFailuresThatRetryingCannotFixDropABatch() {
        assertThat(CloudWatchMeterRegistry.isPermanent(CloudWatchException.builder()
                        .statusCode(400)
                        .awsErrorDetails(AwsErrorDetails.builder()
                                .errorCode("InvalidParameterValue")
                                .build())
                        .build()))
                .isTrue();
        assertThat(CloudWatchMeterRegistry.isPermanent(CloudWatchException.builder()
                        .statusCode(400)
                        .awsErrorDetails(AwsErrorDetails.builder()
                                .errorCode("Throttling")
                                .build())
                        .build()))
                .isFalse();
        assertThat(CloudWatchMeterRegistry.isPermanent(
                        CloudWatchException.builder().statusCode(503).build()))
                .isFalse();
        assertThat(CloudWatchMeterRegistry.isPermanent(new java.io.IOException("connection reset")))
                .isFalse();
    }

    private static Datapoint statistics(String metric, List<Dimension> dimensions) throws Exception {
        Instant now = Instant.now();
        List<Datapoint> points = client.getMetricStatistics(b -> b.namespace("SagewatchTest")
                        .metricName(metric)
                        .dimensions(dimensions)
                        .startTime(now.minusSeconds(600))
                        .endTime(now.plusSeconds(600))
                        .period(3600)
                        .statistics(Statistic.SUM, Statistic.SAMPLE_COUNT, Statistic.MAXIMUM))
                .get()
                .datapoints();
        assertEquals(1, points.size(), metric + ": " + points);
        return points.get(0);
    }

    private static Dimension dim(String name, String value) {
        return Dimension.builder().name(name).value(value).build();
    }

    private static double percentile(List<Double> values, double p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.ceil(p * sorted.size()) - 1);
    }
}
