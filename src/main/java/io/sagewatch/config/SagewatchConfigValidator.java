package io.sagewatch.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/** Refuses to start on settings that would only fail later, on the request path. */
@ApplicationScoped
public class SagewatchConfigValidator {

    private static final Logger LOG = Logger.getLogger(SagewatchConfigValidator.class);

    void validate(@Observes @Priority(0) StartupEvent event, SagewatchConfig config) {
        List<String> problems = problems(config);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Invalid Sagewatch configuration: " + String.join("; ", problems));
        }
        String memory = memoryWarning(config, Runtime.getRuntime().maxMemory());
        if (memory != null) {
            LOG.warn(memory);
        }
    }

    /**
     * Request bodies in flight and the record spool are held on the heap: bounds larger than the heap turn an overload
     * or a table outage into an OutOfMemoryError instead of a 503 or a dead-letter line.
     */
    static String memoryWarning(SagewatchConfig config, long maxHeap) {
        long held = config.limits().maxInFlightBytes() + config.store().spoolMaxBytes();
        if (held <= maxHeap * 0.8) {
            return null;
        }
        return "sagewatch.limits.max-in-flight-bytes + sagewatch.store.spool-max-bytes (" + held / (1024 * 1024)
                + " MB) exceed 80 % of the heap (" + maxHeap / (1024 * 1024) + " MB): lower them, or give the JVM more"
                + " memory, or an overload may end in an OutOfMemoryError instead of 503s";
    }

    private static void dataCapture(List<String> problems, SagewatchConfig config) {
        SagewatchConfig.DataCapture capture = config.dataCapture();
        capture.destination().ifPresent(destination -> {
            if (!destination.matches("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?")) {
                problems.add("sagewatch.data-capture.destination must be s3://bucket or s3://bucket/prefix, not "
                        + destination);
            }
        });
        percentage(problems, "sagewatch.data-capture.sampling-percentage", capture.samplingPercentage());
        positive(problems, "sagewatch.data-capture.flush-interval", capture.flushInterval());
        positive(problems, "sagewatch.data-capture.max-file-bytes", capture.maxFileBytes());
        if (capture.maxBufferedBytes() < capture.maxFileBytes()) {
            problems.add("sagewatch.data-capture.max-buffered-bytes (" + capture.maxBufferedBytes() + ") must hold at"
                    + " least one file (sagewatch.data-capture.max-file-bytes, " + capture.maxFileBytes() + ")");
        }
        config.endpoint()
                .forEach((name, endpoint) -> endpoint.dataCapture()
                        .samplingPercentage()
                        .ifPresent(p -> percentage(
                                problems, "sagewatch.endpoint.\"" + name + "\".data-capture.sampling-percentage", p)));
    }

    private static void percentage(List<String> problems, String key, double value) {
        if (!(value >= 0 && value <= 100)) {
            problems.add(key + " must be between 0 and 100, not " + value);
        }
    }

    static final List<String> PROBLEM_TYPES = List.of("BinaryClassification", "MulticlassClassification", "Regression");

    private static void monitor(List<String> problems, String prefix, SagewatchConfig.EndpointMonitor monitor) {
        quality(problems, prefix, monitor);
        if (!monitor.enabled()) {
            return;
        }
        window(problems, prefix, monitor);
        if (monitor.sampleRate() <= 0 || monitor.sampleRate() > 1) {
            problems.add(prefix + ".sample-rate must be above 0 and at most 1, not " + monitor.sampleRate());
        }
        positive(problems, prefix + ".max-samples-per-second", monitor.maxSamplesPerSecond());
        notNegative(problems, prefix + ".min-samples", monitor.minSamples());
        monitor.learnBaselineFor().ifPresent(d -> positive(problems, prefix + ".learn-baseline-for", d));
        monitor.preset()
                .filter(p -> !p.equals("llm"))
                .ifPresent(p -> problems.add(prefix + ".preset must be llm (or unset), not " + p));
        monitor.refusalPattern().ifPresent(pattern -> {
            try {
                java.util.regex.Pattern.compile(pattern);
            } catch (java.util.regex.PatternSyntaxException e) {
                problems.add(prefix + ".refusal-pattern is not a regular expression: " + e.getDescription());
            }
        });
        for (String side : List.of("input", "output")) {
            SagewatchConfig.MonitoredPayload payload = side.equals("input") ? monitor.input() : monitor.output();
            payload.features().forEach((feature, pointer) -> {
                if (!pointer.isEmpty() && !pointer.startsWith("/")) {
                    problems.add(prefix + "." + side + ".features." + feature + " must be a JSON pointer starting"
                            + " with /, not " + pointer);
                }
            });
            payload.recordsPointer()
                    .filter(pointer -> !pointer.isEmpty() && !pointer.startsWith("/"))
                    .ifPresent(pointer -> problems.add(prefix + "." + side + ".records-pointer must be a JSON pointer"
                            + " starting with /, not " + pointer));
        }
    }

    private static void window(List<String> problems, String prefix, SagewatchConfig.EndpointMonitor monitor) {
        if (monitor.window().compareTo(Duration.ofSeconds(1)) < 0
                || monitor.window().toMillis() % 1000 != 0) {
            problems.add(prefix + ".window must be whole seconds, at least 1 s, not " + monitor.window());
        }
    }

    private static void quality(List<String> problems, String prefix, SagewatchConfig.EndpointMonitor monitor) {
        SagewatchConfig.ModelQuality quality = monitor.quality();
        String type = quality.problemType().orElse(null);
        if (type == null) {
            return;
        }
        String key = prefix + ".quality";
        if (!PROBLEM_TYPES.contains(type)) {
            problems.add(key + ".problem-type must be one of " + String.join(", ", PROBLEM_TYPES) + ", not " + type);
        }
        if (!monitor.enabled()) {
            window(problems, prefix, monitor);
        }
        quality.probabilityAttribute().ifPresent(a -> attribute(problems, key + ".probability-attribute", a));
        quality.inferenceAttribute().ifPresent(a -> attribute(problems, key + ".inference-attribute", a));
        if (quality.inferenceAttribute().isEmpty()
                && (!type.equals("BinaryClassification")
                        || quality.probabilityAttribute().isEmpty())) {
            problems.add(key + ".inference-attribute must say where the answer holds the prediction"
                    + (type.equals("BinaryClassification") ? " (or probability-attribute, its probability)" : ""));
        }
        if (!(quality.probabilityThreshold() >= 0 && quality.probabilityThreshold() <= 1)) {
            problems.add(key + ".probability-threshold must be between 0 and 1, not " + quality.probabilityThreshold());
        }
        if (quality.groundTruthWait().isNegative()) {
            problems.add(key + ".ground-truth-wait must not be negative, not " + quality.groundTruthWait());
        }
    }

    /** A JSON pointer, or a CSV column index. */
    private static void attribute(List<String> problems, String key, String attribute) {
        if (!attribute.startsWith("/") && !attribute.matches("\\d{1,4}")) {
            problems.add(key + " must be a JSON pointer starting with / or a CSV column index (0, 1, ...), not "
                    + attribute);
        }
    }

    static final List<String> OPENAI_PROTOCOLS = List.of("openai", "messages", "generate", "embeddings");

    private static void openAi(List<String> problems, SagewatchConfig config) {
        SagewatchConfig.OpenAi openai = config.openai();
        if (!OPENAI_PROTOCOLS.contains(openai.defaultProtocol())) {
            problems.add("sagewatch.openai.default-protocol must be one of " + String.join(", ", OPENAI_PROTOCOLS)
                    + ", not " + openai.defaultProtocol());
        }
        positive(problems, "sagewatch.openai.default-max-tokens", openai.defaultMaxTokens());
        // a model whose endpoint is not on the allowlist is not an error (an environment may allow fewer endpoints
        // than the models name): it answers model_not_found, and OpenAiModels says so at startup
        openai.models().forEach((name, model) -> {
            if (!OPENAI_PROTOCOLS.contains(model.protocol())) {
                problems.add("sagewatch.openai.models.\"" + name + "\".protocol must be one of "
                        + String.join(", ", OPENAI_PROTOCOLS) + ", not " + model.protocol());
            }
        });
    }

    private static void budgets(List<String> problems, SagewatchConfig config) {
        config.budgets().forEach((name, budget) -> {
            String prefix = "sagewatch.budgets.\"" + name + "\"";
            Duration period = budget.period();
            if (period.isNegative() || period.getSeconds() < 1 || period.getNano() != 0) {
                problems.add(prefix + ".period must be whole seconds, at least 1 s, not " + period);
            }
            if (budget.requests().isEmpty()
                    && budget.tokens().isEmpty()
                    && budget.costUsd().isEmpty()) {
                problems.add(prefix + " limits nothing: set requests, tokens or cost-usd");
            }
            // bounded so that the ledger's sums stay far from overflowing a long (cost is counted in nano-USD)
            budget.requests().ifPresent(v -> between(problems, prefix + ".requests", v, 1, 1_000_000_000_000_000L));
            budget.tokens().ifPresent(v -> between(problems, prefix + ".tokens", v, 1, 1_000_000_000_000_000L));
            budget.costUsd().ifPresent(v -> {
                if (!(v > 0) || v > 1e9) {
                    problems.add(prefix + ".cost-usd must be above 0 and at most 1e9, not " + v);
                }
            });
            notNegative(problems, prefix + ".default-output-tokens", budget.defaultOutputTokens());
            if (!List.of("closed", "open").contains(budget.onTableFailure())) {
                problems.add(prefix + ".on-table-failure must be closed or open, not " + budget.onTableFailure());
            }
            budget.scope().caller().ifPresent(caller -> {
                if (config.auth().enabled() && !config.auth().keys().containsKey(caller)) {
                    problems.add(prefix + ".scope.caller names no API key (sagewatch.auth.keys): " + caller);
                }
            });
            budget.scope().endpoint().ifPresent(endpoint -> {
                if (config.endpoints().allowed().isPresent()
                        && !config.endpoints().allowed().get().contains(endpoint)) {
                    problems.add(prefix + ".scope.endpoint is not on sagewatch.endpoints.allowed: " + endpoint);
                }
                if (budget.costUsd().isPresent()
                        && (!config.endpoint().containsKey(endpoint)
                                || config.endpoint().get(endpoint).price().perInvocation() == 0
                                        && config.endpoint()
                                                        .get(endpoint)
                                                        .price()
                                                        .per1kInputTokens()
                                                == 0
                                        && config.endpoint()
                                                        .get(endpoint)
                                                        .price()
                                                        .per1kOutputTokens()
                                                == 0)) {
                    problems.add(prefix + ".cost-usd counts nothing: endpoint " + endpoint
                            + " has no price (sagewatch.endpoint.\"" + endpoint + "\".price.*)");
                }
            });
        });
        SagewatchConfig.BudgetLeases leases = config.budgetLeases();
        positive(problems, "sagewatch.budget-leases.heartbeat", leases.heartbeat());
        notNegative(problems, "sagewatch.budget-leases.ahead", leases.ahead().toMillis());
        if (!(leases.maxShare() > 0 && leases.maxShare() <= 1)) {
            problems.add("sagewatch.budget-leases.max-share must be above 0 and at most 1, not " + leases.maxShare());
        }
    }

    private static void sketchSize(List<String> problems, String key, int size) {
        if (size < 8 || size > 65535) {
            problems.add(key + " must be between 8 and 65535, not " + size);
        }
    }

    static List<String> problems(SagewatchConfig config) {
        List<String> problems = new ArrayList<>();
        budgets(problems, config);
        positive(problems, "sagewatch.max-payload-bytes", config.maxPayloadBytes());
        positive(problems, "sagewatch.sagemaker.timeout", config.sagemaker().timeout());
        positive(
                problems,
                "sagewatch.sagemaker.stream-silence-timeout",
                config.sagemaker().streamSilenceTimeout());
        config.endpoint().forEach((name, settings) -> {
            monitor(problems, "sagewatch.endpoint.\"" + name + "\".monitor", settings.monitor());
            settings.timeout().ifPresent(t -> positive(problems, "sagewatch.endpoint.\"" + name + "\".timeout", t));
            settings.streamSilenceTimeout()
                    .ifPresent(
                            t -> positive(problems, "sagewatch.endpoint.\"" + name + "\".stream-silence-timeout", t));
        });
        notNegative(
                problems,
                "sagewatch.sagemaker.throttle-retries",
                config.sagemaker().throttleRetries());
        positive(
                problems,
                "sagewatch.sagemaker.throttle-backoff",
                config.sagemaker().throttleBackoff());
        positive(
                problems,
                "sagewatch.sagemaker.max-connections",
                config.sagemaker().maxConnections());
        openAi(problems, config);
        dataCapture(problems, config);
        positive(problems, "sagewatch.store.retention", config.store().retention());
        positive(problems, "sagewatch.idempotency.window", config.idempotency().window());
        if (config.idempotency().inFlightGrace().isNegative()) {
            problems.add("sagewatch.idempotency.in-flight-grace must not be negative, not "
                    + config.idempotency().inFlightGrace());
        }
        positive(problems, "sagewatch.store.write-timeout", config.store().writeTimeout());
        notNegative(problems, "sagewatch.store.write-retries", config.store().writeRetries());
        positive(problems, "sagewatch.store.write-backoff", config.store().writeBackoff());
        positive(problems, "sagewatch.capture.max-bytes", config.capture().maxBytes());
        positive(problems, "sagewatch.monitor.queue-capacity", config.monitor().queueCapacity());
        positive(problems, "sagewatch.monitor.queue-max-bytes", config.monitor().queueMaxBytes());
        positive(problems, "sagewatch.monitor.flush-interval", config.monitor().flushInterval());
        positive(
                problems, "sagewatch.monitor.evaluation-lease", config.monitor().evaluationLease());
        positive(problems, "sagewatch.monitor.retention", config.monitor().retention());
        positive(problems, "sagewatch.console.tail-interval", config.console().tailInterval());
        SagewatchConfig.Rollups rollups = config.console().rollups();
        positive(problems, "sagewatch.console.rollups.flush-interval", rollups.flushInterval());
        positive(problems, "sagewatch.console.rollups.minute-retention", rollups.minuteRetention());
        positive(problems, "sagewatch.console.rollups.hour-retention", rollups.hourRetention());
        positive(problems, "sagewatch.console.rollups.day-retention", rollups.dayRetention());
        if (rollups.flushInterval().compareTo(Duration.ofMinutes(1)) > 0) {
            problems.add("sagewatch.console.rollups.flush-interval (" + rollups.flushInterval()
                    + ") must be at most 1m, or a minute's rollup would be written after the minute was read");
        }
        if (config.monitor().evaluationDelay().compareTo(config.monitor().flushInterval()) <= 0) {
            problems.add(
                    "sagewatch.monitor.evaluation-delay (" + config.monitor().evaluationDelay()
                            + ") must be longer than sagewatch.monitor.flush-interval ("
                            + config.monitor().flushInterval()
                            + "), or a window could be evaluated before every replica wrote its last state");
        }
        sketchSize(problems, "sagewatch.monitor.sketch-size", config.monitor().sketchSize());
        sketchSize(
                problems,
                "sagewatch.monitor.baseline-sketch-size",
                config.monitor().baselineSketchSize());
        notNegative(problems, "sagewatch.dev.training-requests", config.dev().trainingRequests());
        if (config.dev().trainingRequests() > 0 && !config.dev().demoModel()) {
            problems.add("sagewatch.dev.training-requests needs sagewatch.dev.demo-model=true: the training run calls"
                    + " the demo models (the training profile sets both)");
        }
        sink(problems, "sagewatch.metrics.emf", config.metrics().emf());
        sink(problems, "sagewatch.metrics.cloudwatch", config.metrics().cloudwatch());
        positive(
                problems,
                "sagewatch.metrics.cloudwatch.max-pending-calls",
                config.metrics().cloudwatch().maxPendingCalls());
        positive(problems, "sagewatch.limits.max-concurrent", config.limits().maxConcurrent());
        positive(
                problems,
                "sagewatch.limits.max-concurrent-per-endpoint",
                config.limits().maxConcurrentPerEndpoint());
        if (config.limits().maxInFlightBytes() < config.maxPayloadBytes()) {
            problems.add("sagewatch.limits.max-in-flight-bytes must be at least sagewatch.max-payload-bytes ("
                    + config.maxPayloadBytes() + "), or the largest allowed request could never be admitted");
        }
        positive(problems, "sagewatch.store.spool-max-bytes", config.store().spoolMaxBytes());
        positive(
                problems,
                "sagewatch.store.max-concurrent-writes",
                config.store().maxConcurrentWrites());
        if (config.auth().enabled() && config.auth().keys().isEmpty()) {
            problems.add(
                    "sagewatch.auth.enabled is set but no key is configured (sagewatch.auth.keys.\"NAME\".sha256)");
        }
        config.auth().keys().forEach((name, key) -> {
            if (!key.sha256().matches("[0-9a-fA-F]{64}")) {
                problems.add(
                        "sagewatch.auth.keys.\"" + name + "\".sha256 must be 64 hex digits (a SHA-256 of the key)");
            }
        });
        double percent = config.capture().samplePercent();
        if (!(percent >= 0 && percent <= 100)) {
            problems.add("sagewatch.capture.sample-percent must be from 0 to 100, not " + percent);
        }
        return problems;
    }

    private static void sink(List<String> problems, String prefix, SagewatchConfig.CloudWatchSink sink) {
        positive(problems, prefix + ".step", sink.step());
        positive(problems, prefix + ".max-values-per-step", sink.maxValuesPerStep());
    }

    private static void positive(List<String> problems, String key, Duration value) {
        if (value.isZero() || value.isNegative()) {
            problems.add(key + " must be longer than zero, not " + value);
        }
    }

    private static void positive(List<String> problems, String key, long value) {
        if (value <= 0) {
            problems.add(key + " must be greater than zero, not " + value);
        }
    }

    private static void between(List<String> problems, String key, long value, long min, long max) {
        if (value < min || value > max) {
            problems.add(key + " must be from " + min + " to " + max + ", not " + value);
        }
    }

    private static void notNegative(List<String> problems, String key, long value) {
        if (value < 0) {
            problems.add(key + " must not be negative, not " + value);
        }
    }
}
