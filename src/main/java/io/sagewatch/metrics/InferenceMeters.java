package io.sagewatch.metrics;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleConsumer;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceFields;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.PipelineOrder;

/**
 * The gateway's meters, one Micrometer model for every sink. Names follow SageMaker's where they mean the same thing
 * (Invocations, Invocation4XXErrors, ModelLatency, OverheadLatency...). Dimensions are low-cardinality only:
 * endpoint (allowlisted names), variant and service; inference ids go to the log line, never to a dimension.
 */
@ApplicationScoped
@Priority(PipelineOrder.METERS)
public class InferenceMeters implements InferenceObserver {

    public static final String INVOCATIONS = "Invocations";
    public static final String ERRORS_4XX = "Invocation4XXErrors";
    public static final String ERRORS_5XX = "Invocation5XXErrors";
    public static final String THROTTLES = "InvocationThrottles";
    public static final String LATENCY = "Latency";
    public static final String MODEL_LATENCY = "ModelLatency";
    public static final String OVERHEAD_LATENCY = "OverheadLatency";
    public static final String REQUEST_BYTES = "RequestBytes";
    public static final String RESPONSE_BYTES = "ResponseBytes";
    public static final String INPUT_TOKENS = "InputTokens";
    public static final String OUTPUT_TOKENS = "OutputTokens";
    public static final String ESTIMATED_COST = "EstimatedCost";
    public static final String RECORD_WRITE_LATENCY = "RecordWriteLatency";
    public static final String RECORD_WRITE_FAILURES = "RecordWriteFailures";
    public static final String RECORDS_DEAD_LETTERED = "RecordsDeadLettered";
    public static final String INVOCATIONS_SHED = "InvocationsShed";
    public static final String TIME_TO_FIRST_TOKEN = "TimeToFirstToken";
    public static final String ADDED_TIME_TO_FIRST_TOKEN = "AddedTimeToFirstToken";
    public static final String INTER_TOKEN_LATENCY = "InterTokenLatency";
    public static final String TOKENS_PER_SECOND = "OutputTokensPerSecond";
    public static final String STREAMS_IN_FLIGHT = "StreamsInFlight";
    /** Per model name (the OpenAI front's {@code model}; several may share an endpoint), beside the endpoint's. */
    public static final String INVOCATIONS_PER_MODEL = "InvocationsPerModel";

    public static final String ERRORS_PER_MODEL = "ErrorsPerModel";
    public static final String LATENCY_PER_MODEL = "LatencyPerModel";
    public static final String INPUT_TOKENS_PER_MODEL = "InputTokensPerModel";
    public static final String OUTPUT_TOKENS_PER_MODEL = "OutputTokensPerModel";
    public static final String ESTIMATED_COST_PER_MODEL = "EstimatedCostPerModel";
    public static final String TIME_TO_FIRST_TOKEN_PER_MODEL = "TimeToFirstTokenPerModel";

    /** Budgets, by budget and dimension: this replica's view of the current window (used, remaining), and refusals. */
    public static final String BUDGET_USED = "BudgetUsed";

    public static final String BUDGET_REMAINING = "BudgetRemaining";
    public static final String BUDGET_REFUSALS = "BudgetRefusals";

    /** Every meter above: what the CloudWatch sinks publish (each metric and dimension set is billed there). */
    public static final Set<String> NAMES = Set.of(
            INVOCATIONS,
            ERRORS_4XX,
            ERRORS_5XX,
            THROTTLES,
            LATENCY,
            MODEL_LATENCY,
            OVERHEAD_LATENCY,
            REQUEST_BYTES,
            RESPONSE_BYTES,
            INPUT_TOKENS,
            OUTPUT_TOKENS,
            ESTIMATED_COST,
            RECORD_WRITE_LATENCY,
            RECORD_WRITE_FAILURES,
            RECORDS_DEAD_LETTERED,
            INVOCATIONS_SHED,
            TIME_TO_FIRST_TOKEN,
            ADDED_TIME_TO_FIRST_TOKEN,
            INTER_TOKEN_LATENCY,
            TOKENS_PER_SECOND,
            STREAMS_IN_FLIGHT,
            INVOCATIONS_PER_MODEL,
            ERRORS_PER_MODEL,
            LATENCY_PER_MODEL,
            INPUT_TOKENS_PER_MODEL,
            OUTPUT_TOKENS_PER_MODEL,
            ESTIMATED_COST_PER_MODEL,
            TIME_TO_FIRST_TOKEN_PER_MODEL,
            BUDGET_USED,
            BUDGET_REMAINING,
            BUDGET_REFUSALS,
            ModelHealthMeters.SAMPLES,
            ModelHealthMeters.SAMPLES_DROPPED);

    /** The fields measured from the settled outcome, in the order of {@link InferenceFields#ALL}. */
    private static final List<InferenceFields.Field> SETTLED = InferenceFields.ALL.stream()
            .filter(f -> f.measure() != InferenceFields.Measure.NONE && f.measure() != InferenceFields.Measure.PER_PART)
            .toList();

    private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry(LATENCY, "Total time in the gateway"),
            Map.entry(MODEL_LATENCY, "Time waiting on SageMaker"),
            Map.entry(OVERHEAD_LATENCY, "Time the gateway added beyond the model"),
            Map.entry(REQUEST_BYTES, "Request body size"),
            Map.entry(RESPONSE_BYTES, "Response body size (a stream: every part handed over)"),
            Map.entry(INPUT_TOKENS, "Input (prompt) tokens"),
            Map.entry(OUTPUT_TOKENS, "Output (completion) tokens"),
            Map.entry(ESTIMATED_COST, "Estimated cost in USD, from the configured prices"),
            Map.entry(TIME_TO_FIRST_TOKEN, "Streams: from the request to its first part"),
            Map.entry(ADDED_TIME_TO_FIRST_TOKEN, "Streams: the gateway's share of the time to first part"),
            Map.entry(INTER_TOKEN_LATENCY, "Streams: the gap between consecutive parts"),
            Map.entry(TOKENS_PER_SECOND, "Streams: output tokens per second, first part to last"));

    /** For the CloudWatch sinks: Sagewatch's own meters only, not the JVM and HTTP meters Quarkus adds. */
    public static MeterFilter onlySagewatchMeters() {
        return MeterFilter.denyUnless(id -> NAMES.contains(id.getName()));
    }

    private final MeterRegistry registry;
    private final String service;
    private final EmfMeterRegistry emf;
    private final boolean flushPerInference;
    private final Map<String, EndpointMeters> byEndpoint = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> streamsInFlight = new ConcurrentHashMap<>();
    private final Map<String, ModelMeters> byModel = new ConcurrentHashMap<>();

    InferenceMeters(MeterRegistry registry, EmfMeterRegistry emf, SagewatchConfig config) {
        this.registry = registry;
        this.service = config.metrics().service();
        this.emf = emf;
        this.flushPerInference =
                config.metrics().emf().enabled() && config.metrics().emf().flushPerInference();
    }

    @Override
    public CompletionStage<Void> settled(InferenceOutcome outcome) {
        record(outcome);
        return DONE;
    }

    /** EMF per inference (Lambda): after the final record is written, before the answer. */
    @Override
    public void completed(InferenceOutcome outcome) {
        flush(outcome);
    }

    @Override
    public void streamStarted(InferenceRequest request, ModelResponse head) {
        inFlight(request.endpointName()).incrementAndGet();
    }

    @Override
    public void partDelivered(InferenceRequest request, ModelResponse head, long gapNanos) {
        if (gapNanos >= 0) {
            meters(request.endpointName(), head).interTokenLatency.record(gapNanos, TimeUnit.NANOSECONDS);
        }
    }

    private AtomicLong inFlight(String endpoint) {
        return streamsInFlight.computeIfAbsent(endpoint, name -> {
            AtomicLong count = new AtomicLong();
            Gauge.builder(STREAMS_IN_FLIGHT, count, AtomicLong::get)
                    .strongReference(true)
                    .description("Streams open now (InvokeEndpointWithResponseStream)")
                    .tags(Tags.of("endpoint", name, "service", service))
                    .register(registry);
            return count;
        });
    }

    /**
     * Meters looked up once per (endpoint, variant): both are bounded (allowlist, deployed variants). Only a variant
     * SageMaker answered from: a client's Target-Variant header is any string until SageMaker validates it, and every
     * distinct value would be a new (billed) metric.
     */
    private EndpointMeters meters(String endpoint, ModelResponse response) {
        String variant = response != null && response.invokedProductionVariant() != null
                ? response.invokedProductionVariant()
                : "none";
        return byEndpoint.computeIfAbsent(
                endpoint + '\u0000' + variant,
                key -> new EndpointMeters(Tags.of("endpoint", endpoint, "variant", variant, "service", service)));
    }

    public void record(InferenceOutcome outcome) {
        String endpoint = outcome.request().endpointName();
        EndpointMeters m = meters(endpoint, outcome.response());
        m.invocations.increment();
        int status = outcome.errorStatus();
        if (status >= 400 && status < 500) {
            m.errors4xx.increment();
        } else if (status >= 500) {
            m.errors5xx.increment();
        }
        if (outcome.error() != null && outcome.error().is(ErrorType.THROTTLING)) {
            m.throttles.increment();
        }
        for (int i = 0; i < SETTLED.size(); i++) {
            Object value = SETTLED.get(i).settled().apply(outcome);
            if (value != null) {
                m.settled[i].accept(((Number) value).doubleValue());
            }
        }
        if (outcome.streamed()) {
            inFlight(endpoint).decrementAndGet();
        }
        String model = outcome.request().model();
        if (model != null) {
            byModel.computeIfAbsent(endpoint + '\u0000' + model, key -> new ModelMeters(endpoint, model))
                    .record(outcome, status);
        }
    }

    /**
     * The meters of one model name on one endpoint: names the front resolved (configured models, allowed endpoints),
     * so bounded; a separate set rather than a model dimension on the endpoint's meters, whose dimension set the
     * dashboards and alarms read.
     */
    private final class ModelMeters {
        final Counter invocations;
        final Counter errors;
        final Timer latency;
        final Counter inputTokens;
        final Counter outputTokens;
        final Counter cost;
        final Timer timeToFirstToken;

        ModelMeters(String endpoint, String model) {
            Tags tags = Tags.of("endpoint", endpoint, "model", model, "service", service);
            invocations = registry.counter(INVOCATIONS_PER_MODEL, tags);
            errors = registry.counter(ERRORS_PER_MODEL, tags);
            latency = timer(LATENCY_PER_MODEL, "Total time in the gateway, per model", tags);
            inputTokens = registry.counter(INPUT_TOKENS_PER_MODEL, tags);
            outputTokens = registry.counter(OUTPUT_TOKENS_PER_MODEL, tags);
            cost = Counter.builder(ESTIMATED_COST_PER_MODEL)
                    .baseUnit("usd")
                    .tags(tags)
                    .register(registry);
            timeToFirstToken = timer(TIME_TO_FIRST_TOKEN_PER_MODEL, "Streams: time to first part, per model", tags);
        }

        void record(InferenceOutcome outcome, int status) {
            invocations.increment();
            if (status >= 400) {
                errors.increment();
            }
            latency.record(outcome.totalNanos(), TimeUnit.NANOSECONDS);
            if (outcome.tokens().inputTokens() != null) {
                inputTokens.increment(outcome.tokens().inputTokens());
            }
            if (outcome.tokens().outputTokens() != null) {
                outputTokens.increment(outcome.tokens().outputTokens());
            }
            if (outcome.costUsd() != null) {
                cost.increment(outcome.costUsd());
            }
            if (outcome.stream() != null && outcome.stream().firstPartNanos() >= 0) {
                timeToFirstToken.record(outcome.stream().firstPartNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    /**
     * On Lambda, the end of an inference: writes its EMF lines (the final record write's meters included) before the
     * response, so a frozen or reclaimed environment loses nothing. Lambda runs one inference at a time per instance.
     */
    public void flush(InferenceOutcome outcome) {
        if (flushPerInference) {
            // ids as EMF properties: searchable in the log, never dimensions
            emf.publish(Map.of(
                    "request_id",
                    outcome.request().requestId(),
                    "inference_id",
                    outcome.request().inferenceId()));
        }
    }

    /**
     * The meters of one (endpoint, variant): the outcome counts, and one meter per measured field of
     * {@link InferenceFields}, named after it.
     */
    private final class EndpointMeters {
        final Counter invocations;
        final Counter errors4xx;
        final Counter errors5xx;
        final Counter throttles;
        /** Aligned with {@link #SETTLED}: records a field's settled value. */
        final DoubleConsumer[] settled = new DoubleConsumer[SETTLED.size()];

        final Timer interTokenLatency;

        EndpointMeters(Tags tags) {
            invocations = registry.counter(INVOCATIONS, tags);
            errors4xx = registry.counter(ERRORS_4XX, tags);
            errors5xx = registry.counter(ERRORS_5XX, tags);
            throttles = registry.counter(THROTTLES, tags);
            for (int i = 0; i < settled.length; i++) {
                InferenceFields.Field field = SETTLED.get(i);
                String name = field.meter();
                String description = DESCRIPTIONS.get(name);
                settled[i] = switch (field.measure()) {
                    case TIMER -> {
                        Timer timer = timer(name, description, tags);
                        // fields hold milliseconds with microsecond precision
                        yield millis -> timer.record(Math.round(millis * 1_000_000), TimeUnit.NANOSECONDS);
                    }
                    case COUNTER ->
                        Counter.builder(name)
                                .description(description)
                                .tags(tags)
                                .baseUnit(name.equals(ESTIMATED_COST) ? "usd" : null)
                                .register(registry)::increment;
                    case SUMMARY ->
                        DistributionSummary.builder(name)
                                .description(description)
                                .tags(tags)
                                .baseUnit(field.name().endsWith("_bytes") ? "bytes" : null)
                                .register(registry)::record;
                    default -> throw new IllegalStateException(field.name() + " is not measured when settled");
                };
            }
            interTokenLatency = timer(INTER_TOKEN_LATENCY, DESCRIPTIONS.get(INTER_TOKEN_LATENCY), tags);
        }
    }

    /** One record write attempt (in-progress or final) and whether it landed. */
    public void recordWrite(String endpoint, long nanos, boolean written) {
        Tags tags = Tags.of("endpoint", endpoint, "service", service);
        timer(RECORD_WRITE_LATENCY, "One record write to DynamoDB", tags).record(nanos, TimeUnit.NANOSECONDS);
        if (!written) {
            registry.counter(RECORD_WRITE_FAILURES, tags).increment();
        }
    }

    /**
     * The final-record spool's depth (records and estimated bytes waiting for the table). Prometheus only: a gauge is
     * a per-instance reading, and the CloudWatch sinks publish only the per-inference meters above.
     */
    public void spoolGauges(java.util.function.Supplier<Number> records, java.util.function.Supplier<Number> bytes) {
        io.micrometer.core.instrument.Gauge.builder("RecordsSpooled", records)
                .strongReference(true)
                .description("Final records waiting for the table")
                .tag("service", service)
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder("RecordsSpooledBytes", bytes)
                .strongReference(true)
                .baseUnit("bytes")
                .tag("service", service)
                .register(registry);
    }

    /**
     * A budget's gauges for one dimension ({@code requests}, {@code tokens}, {@code cost_usd}): used and remaining in
     * its current window, as the replica sees it. Published to CloudWatch (the cost alarms read {@code BudgetUsed}).
     */
    public static void budgetGauges(
            MeterRegistry registry,
            String service,
            String budget,
            String dimension,
            java.util.function.Supplier<Number> used,
            java.util.function.Supplier<Number> remaining) {
        Tags tags = Tags.of("budget", budget, "dimension", dimension, "service", service);
        Gauge.builder(BUDGET_USED, used)
                .description("Used in the budget's current window")
                .tags(tags)
                .strongReference(true)
                .register(registry);
        Gauge.builder(BUDGET_REMAINING, remaining)
                .description("Remaining in the budget's current window")
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    /** The counter of requests a budget refused. */
    public static io.micrometer.core.instrument.Counter budgetRefusals(
            MeterRegistry registry, String service, String budget) {
        return registry.counter(BUDGET_REFUSALS, Tags.of("budget", budget, "service", service));
    }

    /** An invocation refused at once because a concurrency bound was reached (load shedding). */
    public void recordShed(String endpoint) {
        registry.counter(INVOCATIONS_SHED, Tags.of("endpoint", endpoint, "service", service))
                .increment();
    }

    public void recordDeadLettered(String endpoint) {
        registry.counter(RECORDS_DEAD_LETTERED, Tags.of("endpoint", endpoint, "service", service))
                .increment();
    }

    private Timer timer(String name, String description, Tags tags) {
        return Timer.builder(name)
                .description(description)
                .tags(tags)
                .publishPercentileHistogram()
                .register(registry);
    }
}
