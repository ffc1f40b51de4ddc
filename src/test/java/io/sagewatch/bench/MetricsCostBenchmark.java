package io.sagewatch.bench;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.metrics.CloudWatchMeterRegistry;
import io.sagewatch.metrics.EmfMeterRegistry;
import io.sagewatch.metrics.InferenceMetersAccess;
import io.sagewatch.testing.TestConfigs;
import io.sagewatch.testing.TestRequests;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;

/**
 * What recording an inference's metrics costs, per sink, side by side in one run: nanoseconds per inference for
 * InferenceMeters.record; and P5, what N inferences cost in CloudWatch API calls and EMF lines. Prints Markdown tables.
 * Run by bench/metrics-cost.sh.
 */
public final class MetricsCostBenchmark {

    private static final int WARMUP = 300_000;
    private static final int MEASURED = 1_000_000;
    private static final int ROUNDS = 3;

    public static void main(String[] args) throws Exception {
        int measured = args.length > 0 ? Integer.parseInt(args[0]) : MEASURED;
        SagewatchConfig config = TestConfigs.sagewatch(Map.of());
        List<InferenceOutcome> outcomes = outcomes();
        AtomicLong emfLines = new AtomicLong();

        Map<String, Supplier<MeterRegistry>> sinks = new java.util.LinkedHashMap<>();
        sinks.put("none (meters denied)", () -> denied());
        sinks.put("Prometheus", () -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        sinks.put(
                "EMF, per step",
                () -> new EmfMeterRegistry(
                        "B", Duration.ofMinutes(1), 10_000, Clock.SYSTEM, line -> emfLines.incrementAndGet()));
        sinks.put(
                "CloudWatch PutMetricData, per step",
                () -> new CloudWatchMeterRegistry(
                        "B", Duration.ofMinutes(1), 10_000, 10, Duration.ofSeconds(5), Clock.SYSTEM, null));

        System.out.println(
                "| sink | ns per inference (best of " + ROUNDS + " rounds of " + measured + ") | vs no sink |");
        System.out.println("|---|---|---|");
        double baseline = 0;
        for (var sink : sinks.entrySet()) {
            double best = Double.MAX_VALUE;
            for (int round = 0; round < ROUNDS; round++) {
                MeterRegistry registry = sink.getValue().get();
                EmfMeterRegistry emf = registry instanceof EmfMeterRegistry e ? e : null;
                var meters = InferenceMetersAccess.create(registry, emf, config);
                for (int i = 0; i < WARMUP; i++) {
                    meters.record(outcomes.get(i & 3));
                    drainEvery(registry, i);
                }
                long start = System.nanoTime();
                for (int i = 0; i < measured; i++) {
                    meters.record(outcomes.get(i & 3));
                    drainEvery(registry, i);
                }
                best = Math.min(best, (System.nanoTime() - start) / (double) measured);
                registry.close();
            }
            if (baseline == 0) {
                baseline = best;
            }
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.2f× |%n", sink.getKey(), best, best / baseline);
        }

        System.out.println();
        cloudWatchCalls(args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000, config, outcomes);
    }

    /**
     * P5: CloudWatch API calls per N inferences (two endpoints) for each sink, at three steady rates, since a step sink
     * publishes per step, not per inference. PutMetricData is counted where it arrives: a local CloudWatch endpoint
     * ({@link CountingCloudWatch}). Steps are simulated with a mock clock, so N = 1M takes seconds, not hours.
     */
    private static void cloudWatchCalls(int inferences, SagewatchConfig config, List<InferenceOutcome> outcomes)
            throws Exception {
        System.out.printf(
                Locale.ROOT, "| P5 sink, per %,d inferences | at 10/s | at 100/s | at 1 000/s |%n", inferences);
        System.out.println("|---|---|---|---|");
        int[] rates = {10, 100, 1000};
        AtomicLong emfLines = new AtomicLong();
        EmfMeterRegistry perInference = new EmfMeterRegistry(
                "B", Duration.ofMinutes(1), 10_000, Clock.SYSTEM, line -> emfLines.incrementAndGet());
        var lambdaMeters = InferenceMetersAccess.create(perInference, perInference, config);
        for (int i = 0; i < inferences; i++) {
            lambdaMeters.record(outcomes.get(i & 3));
            perInference.publish(Map.of("inference_id", "i"));
        }
        long lambdaLines = emfLines.get();
        System.out.printf(
                Locale.ROOT,
                "| EMF, flush per inference (Lambda): API calls (log lines) | %s | %s | %s |%n",
                "0 (" + lambdaLines + ")",
                "0 (" + lambdaLines + ")",
                "0 (" + lambdaLines + ")");
        List<String> perStep = new ArrayList<>();
        for (int rate : rates) {
            emfLines.set(0);
            MockClock clock = new MockClock();
            EmfMeterRegistry emf =
                    new EmfMeterRegistry("B", Duration.ofMinutes(1), 10_000, clock, line -> emfLines.incrementAndGet());
            var meters = InferenceMetersAccess.create(emf, null, config);
            forEachStep(inferences, rate, outcomes, meters::record, () -> emf.publish(Map.of()));
            perStep.add("0 (" + emfLines.get() + ")");
        }
        System.out.printf(
                Locale.ROOT,
                "| EMF, one flush per 60 s step (ECS): API calls (log lines) | %s | %s | %s |%n",
                perStep.toArray());
        List<String> calls = new ArrayList<>();
        try (CountingCloudWatch endpoint = new CountingCloudWatch();
                CloudWatchAsyncClient client = CloudWatchAsyncClient.builder()
                        .endpointOverride(URI.create(endpoint.url()))
                        .region(Region.US_EAST_1)
                        .credentialsProvider(
                                StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                        .build()) {
            for (int rate : rates) {
                long before = endpoint.calls();
                long bytesBefore = endpoint.bytes();
                MockClock clock = new MockClock();
                clock.add(Instant.now().toEpochMilli() - clock.wallTime(), TimeUnit.MILLISECONDS);
                CloudWatchMeterRegistry cloudwatch = new CloudWatchMeterRegistry(
                        "SagewatchBench", Duration.ofMinutes(1), 10_000, 10, Duration.ofSeconds(30), clock, client);
                var meters = InferenceMetersAccess.create(cloudwatch, null, config);
                forEachStep(inferences, rate, outcomes, meters::record, () -> {
                    cloudwatch.publish();
                    clock.add(Duration.ofMinutes(1));
                });
                calls.add(String.format(
                        Locale.ROOT,
                        "%d (%.1f MB)",
                        endpoint.calls() - before,
                        (endpoint.bytes() - bytesBefore) / 1e6));
            }
        }
        System.out.printf(
                Locale.ROOT,
                "| CloudWatch PutMetricData, per 60 s step: API calls (bytes sent) | %s | %s | %s |%n",
                calls.toArray());
        System.out.println("| Prometheus (scraped, not pushed) | 0 | 0 | 0 |");
    }

    /** Records N inferences at a steady rate: rate × 60 per step, then the step's publish. */
    private static void forEachStep(
            int inferences,
            int rate,
            List<InferenceOutcome> outcomes,
            java.util.function.Consumer<InferenceOutcome> record,
            Runnable publish) {
        int perStep = rate * 60;
        for (int done = 0; done < inferences; ) {
            int n = Math.min(perStep, inferences - done);
            for (int i = 0; i < n; i++) {
                record.accept(outcomes.get((done + i) & 3));
            }
            done += n;
            publish.run();
        }
    }

    /** A step registry holds values until its publish: drain like a 60 s step would at ~10 000 inferences/s. */
    private static void drainEvery(MeterRegistry registry, int i) {
        if ((i % 600_000) == 599_999 && registry instanceof EmfMeterRegistry emf) {
            emf.publish(Map.of());
        }
    }

    private static MeterRegistry denied() {
        MeterRegistry registry = new CompositeMeterRegistry();
        registry.config().meterFilter(MeterFilter.deny());
        return registry;
    }

    /** Four typical outcomes: LLM success with tokens and cost, classic success, model error, throttle. */
    private static List<InferenceOutcome> outcomes() {
        List<InferenceOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            InferenceRequest request = TestRequests.of(
                    "r" + i,
                    "i" + i,
                    i % 2 == 0 ? "llm" : "churn",
                    new byte[512],
                    "application/json",
                    System.nanoTime() - 20_000_000L - i * 1_000_000L);
            ModelResponse response =
                    new ModelResponse(new byte[256], "application/json", "AllTraffic", null, null, null);
            io.sagewatch.core.InferenceError error = i == 2
                    ? io.sagewatch.core.InferenceError.upstream(
                            "ModelError", 424, "bad input", 400, "bad input", null, null)
                    : i == 3
                            ? io.sagewatch.core.InferenceError.of(io.sagewatch.core.ErrorType.THROTTLING, "slow")
                            : null;
            outcomes.add(InferenceOutcome.of(
                    request,
                    new ModelCall(error == null ? response : null, error, 15_000_000L + i * 777_777L, 1),
                    i == 0 ? new TokenUsage(900L, 120L) : TokenUsage.NONE,
                    i == 0 ? 0.0042 : null));
        }
        return outcomes;
    }
}
