package io.sagewatch.monitor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.Futures;
import io.sagewatch.metrics.ModelHealthMeters;
import io.sagewatch.metrics.ModelHealthMeters.Drop;
import io.sagewatch.metrics.ModelHealthMeters.Figure;
import io.sagewatch.monitor.check.ConstraintEvaluator;
import io.sagewatch.monitor.check.WindowEvaluation;
import io.sagewatch.monitor.features.SampleFeatures;
import io.sagewatch.monitor.features.UnreadablePayloadException;
import io.sagewatch.monitor.format.Baseline;
import io.sagewatch.monitor.format.ConstraintViolation;
import io.sagewatch.monitor.format.DatasetStatistics;
import io.sagewatch.monitor.format.FeatureType;
import io.sagewatch.monitor.window.FeatureAccumulator;
import io.sagewatch.monitor.window.WindowAccumulator;

/**
 * Model health off the request path, on one thread of its own: reads each queued sample's features into its
 * endpoint's open window; every flush interval writes each open window's state (cumulative) to the table; after a
 * window ends, claims its evaluation (one replica wins), merges every replica's state, judges it against the
 * baseline, and publishes the report, the metrics and one log line. It blocks, on its own thread only.
 */
@ApplicationScoped
public class ModelHealthWorker {

    public static final String CATEGORY = "sagewatch.model-health";
    private static final Logger LINES = Logger.getLogger(CATEGORY);
    private static final Logger LOG = Logger.getLogger(ModelHealthWorker.class);
    /** Samples still on their way when a window ends are waited for this long. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_EVALUATION_ATTEMPTS = 20;

    private final SampleIntake intake;
    private final EndpointMonitors monitors;
    private final Baselines baselines;
    private final ModelHealthStore store;
    private final ModelHealthMeters meters;
    private final SagewatchConfig.Monitor config;
    private final String replica = UUID.randomUUID().toString();
    private final Map<String, Map<Instant, OpenWindow>> open = new HashMap<>();
    private final PriorityQueue<Pending> pending = new PriorityQueue<>((a, b) -> a.due.compareTo(b.due));
    private final Map<String, Extraction> extraction = new HashMap<>();
    private volatile boolean running;
    private Thread thread;

    /** A window this replica has samples of. */
    private static final class OpenWindow {
        final WindowAccumulator rows;
        boolean dirty;

        OpenWindow(int sketchSize) {
            rows = new WindowAccumulator(sketchSize);
        }
    }

    /**
     * A window to evaluate once it is due.
     *
     * @param published its report, metrics and log line are out (only the claim's "done" is left to write)
     */
    private record Pending(MonitorSettings settings, Instant start, Instant due, int attempt, boolean published) {}

    /** An endpoint's extractor, made for the baseline version it was made with. */
    private record Extraction(int baselineVersion, SampleFeatures features, Instant checkedAt) {}

    ModelHealthWorker(
            SampleIntake intake,
            EndpointMonitors monitors,
            Baselines baselines,
            ModelHealthStore store,
            ModelHealthMeters meters,
            SagewatchConfig config) {
        this.intake = intake;
        this.monitors = monitors;
        this.baselines = baselines;
        this.store = store;
        this.meters = meters;
        this.config = config.monitor();
    }

    void start(@Observes StartupEvent event) {
        if (!monitors.any()) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "sagewatch-model-health");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops taking samples, reads those already queued, and writes every open window's state. */
    void stop(@Observes ShutdownEvent event) {
        if (thread == null) {
            return;
        }
        // not interrupted: a write under way finishes, and the worker sees the flag within its 100 ms poll
        running = false;
        try {
            thread.join(CALL_TIMEOUT.toMillis() * 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String replica() {
        return replica;
    }

    private void run() {
        Instant nextFlush = Instant.now().plus(config.flushInterval());
        while (running) {
            try {
                SampleIntake.Queued next = intake.poll(100, TimeUnit.MILLISECONDS);
                for (int read = 0; next != null && read < 10_000; read++) {
                    read(next);
                    next = intake.pollNow();
                }
                Instant now = Instant.now();
                if (!now.isBefore(nextFlush)) {
                    flush(false);
                    nextFlush = now.plus(config.flushInterval());
                }
                closeEnded(now);
                evaluateDue(now);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                LOG.errorf(e, "Model health worker failed a round; it goes on");
            }
        }
        // shutting down: what is queued still counts
        for (SampleIntake.Queued next = intake.pollNow(); next != null; next = intake.pollNow()) {
            read(next);
        }
        flush(false);
    }

    private void read(SampleIntake.Queued queued) {
        MonitorSettings settings = queued.settings();
        String endpoint = settings.endpoint();
        Instant start = settings.windowStart(Instant.ofEpochMilli(queued.finishedAtMillis()));
        Map<Instant, OpenWindow> windows = open.computeIfAbsent(endpoint, e -> new LinkedHashMap<>());
        OpenWindow window = windows.get(start);
        if (!start.plus(settings.window()).plus(CLOSE_GRACE).isAfter(Instant.now())) {
            meters.dropped(endpoint, Drop.LATE); // its window closed (or is closing: it may be evaluated already)
            return;
        }
        if (window == null) {
            window = new OpenWindow(config.sketchSize());
            windows.put(start, window);
        }
        try {
            // straight into the window: the extractors parse a whole sample before they put anything, so an
            // unreadable one leaves nothing half-counted (a scratch window per sample cost more garbage than the rest)
            features(settings).extract(queued.sample(), window.rows);
            window.dirty = true;
        } catch (UnreadablePayloadException e) {
            meters.dropped(endpoint, Drop.UNREADABLE);
        }
    }

    /** The endpoint's extractor, remade when its baseline changed (it names CSV columns). */
    private SampleFeatures features(MonitorSettings settings) {
        Extraction current = extraction.get(settings.endpoint());
        Instant now = Instant.now();
        if (current != null && current.checkedAt().plus(config.flushInterval()).isAfter(now)) {
            return current.features();
        }
        Baseline baseline = null;
        try {
            baseline = await(baselines.current(settings.endpoint()));
        } catch (RuntimeException e) {
            LOG.debugf("No baseline read for %s: %s", settings.endpoint(), e.getMessage());
            if (current != null) {
                return current.features();
            }
        }
        int version = baseline == null ? 0 : baseline.version();
        SampleFeatures features = current != null && current.baselineVersion() == version
                ? current.features()
                : settings.features(baseline);
        extraction.put(settings.endpoint(), new Extraction(version, features, now));
        return features;
    }

    /** Writes every changed open window's state; with {@code all}, unchanged ones too. */
    private void flush(boolean all) {
        for (Map.Entry<String, Map<Instant, OpenWindow>> endpoint : open.entrySet()) {
            for (Map.Entry<Instant, OpenWindow> window : endpoint.getValue().entrySet()) {
                if (window.getValue().dirty || all) {
                    write(endpoint.getKey(), window.getKey(), window.getValue());
                }
            }
        }
    }

    private boolean write(String endpoint, Instant start, OpenWindow window) {
        try {
            await(store.putWindowState(endpoint, start, replica, window.rows.toBytes()));
            window.dirty = false;
            return true;
        } catch (RuntimeException e) {
            LOG.warnf(
                    "Could not write the model-health state of %s's window %s (kept, written again at the next"
                            + " flush): %s",
                    endpoint, start, e.getMessage());
            return false;
        }
    }

    /** Windows past their end (and grace): written one last time, then handed to evaluation. */
    private void closeEnded(Instant now) {
        for (Map.Entry<String, Map<Instant, OpenWindow>> endpoint : open.entrySet()) {
            MonitorSettings settings = monitors.settings(endpoint.getKey());
            for (Iterator<Map.Entry<Instant, OpenWindow>> windows =
                            endpoint.getValue().entrySet().iterator();
                    windows.hasNext(); ) {
                Map.Entry<Instant, OpenWindow> window = windows.next();
                Instant end = window.getKey().plus(settings.window());
                if (end.plus(CLOSE_GRACE).isAfter(now)) {
                    continue;
                }
                if (window.getValue().dirty && !write(endpoint.getKey(), window.getKey(), window.getValue())) {
                    continue; // kept open until its state is written
                }
                windows.remove();
                pending.add(new Pending(settings, window.getKey(), end.plus(config.evaluationDelay()), 0, false));
            }
        }
    }

    private void evaluateDue(Instant now) {
        while (!pending.isEmpty() && !pending.peek().due().isAfter(now)) {
            Pending window = pending.poll();
            try {
                ModelHealthStore.Claim claim = window.published()
                        ? ModelHealthStore.Claim.WON
                        : await(store.claimEvaluation(
                                window.settings().endpoint(), window.start(), replica, config.evaluationLease()));
                if (claim == ModelHealthStore.Claim.HELD) {
                    // another replica has it: ask again once its lease could have run out (it may have died)
                    pending.add(new Pending(
                            window.settings(),
                            window.start(),
                            now.plus(config.evaluationLease()),
                            window.attempt(),
                            false));
                } else if (claim == ModelHealthStore.Claim.WON) {
                    if (!window.published()) {
                        evaluate(window.settings(), window.start());
                        window = new Pending(window.settings(), window.start(), window.due(), window.attempt(), true);
                    }
                    await(store.evaluationDone(window.settings().endpoint(), window.start(), replica));
                }
            } catch (RuntimeException e) {
                if (window.attempt() + 1 < MAX_EVALUATION_ATTEMPTS) {
                    LOG.warnf(
                            "Could not evaluate %s's window %s (tried again in %s): %s",
                            window.settings().endpoint(), window.start(), config.flushInterval(), e.getMessage());
                    pending.add(new Pending(
                            window.settings(),
                            window.start(),
                            now.plus(config.flushInterval()),
                            window.attempt() + 1,
                            window.published()));
                } else {
                    LOG.errorf(
                            e,
                            "Gave up evaluating %s's window %s",
                            window.settings().endpoint(),
                            window.start());
                }
                return;
            }
        }
    }

    /**
     * Evaluates a window this replica has claimed: every replica's state merged, judged, the report stored, the
     * metrics and the log line published (once: the caller then marks the claim done, and a retry of that alone does
     * not publish again).
     */
    void evaluate(MonitorSettings settings, Instant start) {
        String endpoint = settings.endpoint();
        List<byte[]> states = await(store.windowStates(endpoint, start));
        List<WindowAccumulator> parts = new ArrayList<>();
        for (byte[] state : states) {
            parts.add(WindowAccumulator.fromBytes(config.sketchSize(), state));
        }
        WindowAccumulator merged = WindowAccumulator.merged(config.sketchSize(), parts);
        Baseline baseline = await(baselines.current(endpoint));
        WindowEvaluation evaluation = null;
        String status;
        DatasetStatistics statistics;
        if (baseline != null) {
            List<String> order =
                    baseline.statistics().features().stream().map(f -> f.name()).toList();
            statistics = merged.toStatistics(order, baseline::typeOf);
            evaluation = ConstraintEvaluator.evaluate(
                    baseline.statistics(),
                    baseline.constraints(),
                    merged,
                    new ConstraintEvaluator.Options(settings.minSamples(), settings.bucketDistances()));
            status = !evaluation.enoughData()
                    ? WindowReport.NOT_ENOUGH_DATA
                    : evaluation.violations().isEmpty()
                            ? WindowReport.COMPLETED
                            : WindowReport.COMPLETED_WITH_VIOLATIONS;
        } else {
            statistics = merged.toStatistics(List.of(), name -> null);
            status =
                    settings.learnBaselineFor().isPresent() ? learn(settings, start, merged) : WindowReport.NO_BASELINE;
        }
        ObjectNode summary = WindowReport.summary(
                settings,
                start,
                status,
                merged.rows(),
                parts.size(),
                baseline == null ? null : baseline.version(),
                evaluation,
                replica);
        await(store.putReport(
                endpoint, start, WindowReport.full(summary, evaluation, statistics), WindowReport.bytes(summary)));
        publish(settings, merged, evaluation, baseline);
        LINES.info(logLine(summary, evaluation));
    }

    /** Adds the window to the baseline being learned; freezes it once the learning period is covered. */
    private String learn(MonitorSettings settings, Instant start, WindowAccumulator window) {
        String endpoint = settings.endpoint();
        byte[] stored = await(store.learning(endpoint));
        Learning learning = stored == null
                ? new Learning(start, new HashSet<>(), new WindowAccumulator(config.baselineSketchSize()), false)
                : Learning.read(config.baselineSketchSize(), stored);
        if (learning.frozen()) {
            return WindowReport.NO_BASELINE; // frozen already: this replica's cache has not seen the baseline yet
        }
        if (learning.merged().add(start.toEpochMilli())) {
            learning.rows().merge(window);
        }
        Instant end = start.plus(settings.window());
        if (!end.isBefore(learning.since().plus(settings.learnBaselineFor().orElseThrow()))
                && learning.rows().rows() > 0) {
            Baseline frozen = await(baselines.freezeLearned(endpoint, learning.rows()));
            // what was learned stays, marked frozen: a replica whose cache is behind does not learn (or freeze) again
            await(store.putLearning(
                    endpoint, new Learning(learning.since(), learning.merged(), learning.rows(), true).write()));
            LOG.infof(
                    "Learned a baseline for %s from %d rows since %s: version %d",
                    endpoint, learning.rows().rows(), learning.since(), frozen.version());
        } else {
            await(store.putLearning(endpoint, learning.write()));
        }
        return WindowReport.LEARNING;
    }

    /**
     * The baseline being learned: since when, the windows already in it (each counted once), their rows, and whether
     * it was frozen into a baseline.
     */
    private record Learning(Instant since, Set<Long> merged, WindowAccumulator rows, boolean frozen) {

        byte[] write() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeBoolean(frozen);
                out.writeLong(since.toEpochMilli());
                out.writeInt(merged.size());
                for (long window : merged) {
                    out.writeLong(window);
                }
                byte[] state = rows.toBytes();
                out.writeInt(state.length);
                out.write(state);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        static Learning read(int sketchSize, byte[] stored) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored))) {
                boolean frozen = in.readBoolean();
                Instant since = Instant.ofEpochMilli(in.readLong());
                Set<Long> merged = new HashSet<>();
                int count = in.readInt();
                for (int i = 0; i < count; i++) {
                    merged.add(in.readLong());
                }
                byte[] state = new byte[in.readInt()];
                in.readFully(state);
                return new Learning(since, merged, WindowAccumulator.fromBytes(sketchSize, state), frozen);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void publish(
            MonitorSettings settings, WindowAccumulator merged, WindowEvaluation evaluation, Baseline baseline) {
        List<Figure> figures = new ArrayList<>();
        Map<String, Long> byCheck = new LinkedHashMap<>();
        if (evaluation != null) {
            if (!evaluation.enoughData()) {
                meters.window(settings.endpoint(), settings.scheduleName(), merged.rows(), figures, byCheck, false);
                return;
            }
            for (WindowEvaluation.FeatureResult feature : evaluation.features()) {
                if (!feature.emitMetrics()) {
                    continue;
                }
                if (feature.status() == WindowEvaluation.DriftStatus.MEASURED) {
                    figures.add(Figure.single(ModelHealthMeters.DRIFT_PREFIX + feature.name(), feature.drift()));
                }
                addQuality(figures, feature.name(), merged.featureOrNull(feature.name()), feature.baselineType());
            }
            for (ConstraintViolation violation : evaluation.violations()) {
                byCheck.merge(violation.constraintCheckType(), 1L, Long::sum);
            }
        } else {
            for (String name : merged.featureNames()) {
                addQuality(figures, name, merged.featureOrNull(name), null);
            }
        }
        meters.window(
                settings.endpoint(), settings.scheduleName(), merged.rows(), figures, byCheck, evaluation != null);
    }

    private static void addQuality(List<Figure> figures, String name, FeatureAccumulator feature, FeatureType type) {
        if (feature == null || feature.rows() == 0) {
            return;
        }
        figures.add(
                Figure.single(ModelHealthMeters.NON_NULL_PREFIX + name, (double) feature.present() / feature.rows()));
        if (feature.numericCount() > 0 && (type == null || type.isNumeric())) {
            figures.add(new Figure(
                    ModelHealthMeters.DATA_PREFIX + name,
                    feature.numericCount(),
                    feature.sum(),
                    feature.min(),
                    feature.max()));
        }
    }

    /** One flat-ish JSON line per evaluated window, for Logs Insights ({@code drift.age}, {@code completeness.age}). */
    static String logLine(ObjectNode summary, WindowEvaluation evaluation) {
        ObjectNode line = WindowReport.JSON.createObjectNode();
        line.put(
                "level",
                WindowReport.COMPLETED_WITH_VIOLATIONS.equals(
                                summary.path("status").asText())
                        ? "WARN"
                        : "INFO");
        line.put("message", "model_health_window");
        line.put("timestamp", summary.path("evaluated_at").asText());
        line.setAll(summary);
        if (evaluation != null) {
            ObjectNode drift = line.putObject("drift");
            ObjectNode completeness = line.putObject("completeness");
            for (WindowEvaluation.FeatureResult feature : evaluation.features()) {
                if (Double.isFinite(feature.drift())) {
                    drift.put(feature.name(), feature.drift());
                }
                if (Double.isFinite(feature.completeness())) {
                    completeness.put(feature.name(), feature.completeness());
                }
            }
        }
        return line.toString();
    }

    private static <T> T await(CompletionStage<T> stage) {
        return Futures.await(stage, CALL_TIMEOUT, "the table");
    }
}
