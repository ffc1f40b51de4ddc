package io.sagewatch.monitor.quality;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.Futures;
import io.sagewatch.json.Json;
import io.sagewatch.metrics.ModelHealthMeters;
import io.sagewatch.monitor.ModelHealthWorker;
import io.sagewatch.monitor.WindowReport;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Model quality off the request path, on one thread of its own: reads the predictions out of the queued answers and
 * writes them (in batches) for the ground truth to find; registers each window that has predictions; every flush
 * interval looks for windows whose evaluation is due (in the table, so any replica, even one started since, finds
 * them), claims one (one replica wins), reads its labelled predictions, computes Model Monitor's metrics, checks them
 * against the baseline's constraints, and publishes the report, the metrics and one log line. It blocks, on its own
 * thread only.
 */
@Singleton
public class QualityWorker {

    private static final Logger LINES = Logger.getLogger(ModelHealthWorker.CATEGORY);
    private static final Logger LOG = Logger.getLogger(QualityWorker.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final int BATCH = 500;
    private static final long NAP_MILLIS = 50;
    private static final int WRITE_ATTEMPTS = 5;
    /** Windows this long past their last evaluation's due time are no longer looked at. */
    private static final Duration LOOK_BACK = Duration.ofDays(1);

    private final PredictionIntake intake;
    private final EndpointQualities qualities;
    private final QualityStore store;
    private final QualityBaselines baselines;
    private final ModelHealthMeters meters;
    private final SagewatchConfig.Monitor config;
    private final String replica = UUID.randomUUID().toString();
    private final Map<String, PredictionReader> readers = new HashMap<>();
    private final Map<String, Set<Instant>> registered = new HashMap<>();
    private final List<Unwritten> unwritten = new ArrayList<>();
    private volatile boolean running;
    private Thread thread;

    /** Predictions whose write failed, kept for another attempt. */
    private record Unwritten(String endpoint, List<QualityStore.PredictionItem> items, int attempts) {}

    QualityWorker(
            PredictionIntake intake,
            EndpointQualities qualities,
            QualityStore store,
            QualityBaselines baselines,
            ModelHealthMeters meters,
            SagewatchConfig config) {
        this.intake = intake;
        this.qualities = qualities;
        this.store = store;
        this.baselines = baselines;
        this.meters = meters;
        this.config = config.monitor();
    }

    void start(@Observes StartupEvent event) {
        if (!qualities.any()) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "sagewatch-model-quality");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops, after writing the predictions already queued. */
    void stop(@Observes ShutdownEvent event) {
        if (thread == null) {
            return;
        }
        running = false;
        try {
            thread.join(CALL_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Instant nextScan = Instant.now();
        while (running) {
            try {
                // a nap, not a wait on the queue: a waiting consumer makes every offer on an event loop wake it (a
                // futex call per inference); a prediction is kept within a nap of its answer
                PredictionIntake.Queued first = intake.pollNow();
                if (first == null && unwritten.isEmpty()) {
                    Thread.sleep(NAP_MILLIS);
                }
                if (first != null || !unwritten.isEmpty()) {
                    write(first);
                }
                Instant now = Instant.now();
                if (!now.isBefore(nextScan)) {
                    nextScan = now.plus(config.flushInterval()); // a failing table is asked again next interval
                    for (QualitySettings settings : qualities.all()) {
                        try {
                            evaluateDue(settings, now);
                        } catch (RuntimeException e) {
                            LOG.warnf(
                                    "Could not look for %s's model-quality windows due (again in %s): %s",
                                    settings.endpoint(), config.flushInterval(), e.getMessage());
                        }
                    }
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                LOG.errorf(e, "Model quality worker failed a round; it goes on");
            }
        }
        // shutting down: what is queued is still written
        for (int round = 0; round < 100; round++) {
            PredictionIntake.Queued next = intake.pollNow();
            if (next == null && unwritten.isEmpty()) {
                break;
            }
            write(next);
        }
    }

    // ---- predictions ------------------------------------------------------------------------------------------------

    /** Reads a batch of queued answers (the first given) and writes their predictions, with those that failed before. */
    private void write(PredictionIntake.Queued first) {
        Map<String, List<QualityStore.PredictionItem>> byEndpoint = new LinkedHashMap<>();
        for (PredictionIntake.Queued next = first; next != null; ) {
            QualitySettings settings = next.settings();
            List<Prediction> rows = readers.computeIfAbsent(settings.endpoint(), e -> new PredictionReader(settings))
                    .read(next.body(), next.type());
            String json = rows.isEmpty() ? null : rowsJson(rows);
            if (json == null || json.length() > QualityStore.MAX_PREDICTION_CHARS) {
                // the answer does not hold what the settings name, or holds more rows than an item can keep
                meters.predictionDropped(settings.endpoint());
            } else {
                Instant at = Instant.ofEpochMilli(next.finishedAtMillis());
                byEndpoint
                        .computeIfAbsent(settings.endpoint(), e -> new ArrayList<>())
                        .add(new QualityStore.PredictionItem(
                                next.inferenceId(), at, settings.windowStart(at), json, replica));
            }
            intake.done(next);
            int read = byEndpoint.values().stream().mapToInt(List::size).sum();
            next = read < BATCH ? intake.pollNow() : null;
        }
        List<Unwritten> retry = new ArrayList<>(unwritten);
        unwritten.clear();
        byEndpoint.forEach((endpoint, items) -> retry.add(new Unwritten(endpoint, items, 0)));
        for (Unwritten batch : retry) {
            try {
                registerWindows(qualities.settings(batch.endpoint()), batch.items());
                await(store.putPredictions(batch.endpoint(), batch.items()));
                meters.predictions(batch.endpoint(), batch.items().size());
            } catch (RuntimeException e) {
                if (batch.attempts() + 1 < WRITE_ATTEMPTS) {
                    LOG.warnf(
                            "Could not write %d predictions of %s (tried again): %s",
                            batch.items().size(), batch.endpoint(), e.getMessage());
                    unwritten.add(new Unwritten(batch.endpoint(), batch.items(), batch.attempts() + 1));
                } else {
                    LOG.errorf(
                            "Dropped %d predictions of %s after %d attempts: %s",
                            batch.items().size(), batch.endpoint(), WRITE_ATTEMPTS, e.getMessage());
                    for (int i = 0; i < batch.items().size(); i++) {
                        meters.predictionDropped(batch.endpoint());
                    }
                }
            }
        }
        if (!unwritten.isEmpty()) {
            sleep(Math.min(2000, 100L << unwritten.get(0).attempts()));
        }
    }

    /** Each window's item is written once per replica, before its first prediction (so a label never misses it). */
    private void registerWindows(QualitySettings settings, List<QualityStore.PredictionItem> items) {
        Set<Instant> known = registered.computeIfAbsent(settings.endpoint(), e -> new HashSet<>());
        for (QualityStore.PredictionItem item : items) {
            Instant window = item.windowStart();
            if (!known.contains(window)) {
                await(store.registerWindow(settings.endpoint(), window, settings.firstEvaluation(window)));
                known.add(window);
            }
        }
        if (known.size() > 64) { // old windows: registered long ago, their entries only cost memory
            Instant oldest =
                    settings.windowStart(Instant.now()).minus(settings.window().multipliedBy(8));
            known.removeIf(window -> window.isBefore(oldest));
        }
    }

    static String rowsJson(List<Prediction> rows) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (Prediction row : rows) {
            ArrayNode pair = array.addArray().add(row.label());
            if (row.hasProbability()) {
                pair.add(row.probability());
            } else {
                pair.addNull();
            }
        }
        return array.toString();
    }

    // ---- evaluation -------------------------------------------------------------------------------------------------

    private void evaluateDue(QualitySettings settings, Instant now) {
        Instant since = now.minus(settings.window())
                .minus(settings.groundTruthWait().multipliedBy(2))
                .minus(LOOK_BACK);
        List<Map<String, AttributeValue>> windows =
                await(store.windows(settings.endpoint(), settings.windowStart(since), false, Integer.MAX_VALUE, false));
        for (Map<String, AttributeValue> window : windows) {
            Instant start = QualityWindows.start(window);
            if (start == null) {
                continue; // not a window's item
            }
            long evaluations = number(window, QualityStore.EVALUATIONS);
            long late = number(window, QualityStore.LATE);
            int next;
            if (evaluations == 0 && !now.isBefore(settings.firstEvaluation(start))) {
                next = 1;
            } else if (evaluations == 1 && late > 0 && !now.isBefore(settings.secondEvaluation(start))) {
                next = 2;
            } else {
                continue;
            }
            try {
                if (await(store.claim(settings.endpoint(), start, next, replica, config.evaluationLease()))) {
                    evaluate(settings, start, next, late);
                }
            } catch (RuntimeException e) {
                LOG.warnf(
                        "Could not evaluate the model quality of %s's window %s (tried again at the next scan): %s",
                        settings.endpoint(), start, e.getMessage());
            }
        }
    }

    /** Evaluates a window this replica has claimed, and publishes it. */
    void evaluate(QualitySettings settings, Instant start, int evaluation, long late) {
        String endpoint = settings.endpoint();
        // a large window is many pages: as long as the claim holds, not one call's timeout
        List<Map<String, AttributeValue>> pairs =
                Futures.await(store.pairs(endpoint, start), config.evaluationLease(), "the table");
        Set<String> replicas = new HashSet<>();
        LabelledRows rows = rows(settings, pairs, replicas);
        Instant now = Instant.now();
        QualityBaselines.Baseline baseline = await(baselines.current(settings));
        ObjectNode summary = Json.MAPPER.createObjectNode();
        summary.put("endpoint", endpoint);
        summary.put("monitoring_schedule", settings.scheduleName());
        summary.put("problem_type", settings.problemType().modelMonitorName());
        summary.put("window_start", start.toString());
        summary.put("window_end", start.plus(settings.window()).toString());
        summary.put("evaluated_at", now.toString());
        summary.put("evaluation", evaluation);
        summary.put("inferences_labelled", pairs.size());
        summary.put("rows", rows.size());
        summary.put("late_labels", late);
        summary.put("replicas", replicas.size());
        summary.put("baseline", baseline == null ? null : baseline.source() + " " + baseline.createdAt());
        summary.put("evaluated_by", replica);
        ObjectNode report = Json.MAPPER.createObjectNode();
        List<QualityFiles.Violation> violations = List.of();
        QualityMetrics.Result result = null;
        if (rows.size() == 0) {
            summary.put("status", WindowReport.NOT_ENOUGH_DATA);
        } else {
            result = QualityMetrics.compute(
                    settings.problemType(), settings.positiveLabel(), rows, start.toEpochMilli());
            if (baseline != null) {
                violations = QualityFiles.check(result.scalars(), baseline.constraints());
            }
            summary.put(
                    "status", violations.isEmpty() ? WindowReport.COMPLETED : WindowReport.COMPLETED_WITH_VIOLATIONS);
            ObjectNode metrics = summary.putObject("metrics");
            result.scalars().forEach((name, metric) -> {
                if (Double.isFinite(metric.value())) {
                    metrics.put(name, metric.value());
                }
            });
        }
        summary.put("violations", violations.size());
        report.setAll(summary);
        if (result != null) {
            report.set("statistics", QualityFiles.statistics(result, now));
        }
        report.set("constraint_violations", QualityFiles.violationsJson(violations));
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(report);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        await(store.putEvaluation(endpoint, start, evaluation, replica, bytes, summary.toString()));
        if (result != null) {
            Map<String, Double> figures = new LinkedHashMap<>();
            result.scalars().forEach((name, metric) -> figures.put(name, metric.value()));
            meters.quality(endpoint, settings.scheduleName(), rows.size(), figures);
        }
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("level", violations.isEmpty() ? "INFO" : "WARN");
        line.put("message", "model_quality_window");
        line.put("timestamp", now.toString());
        line.setAll(summary);
        LINES.info(line.toString());
    }

    /** The labelled rows of a window's pairs (a batch inference's rows each with their label). */
    static LabelledRows rows(QualitySettings settings, List<Map<String, AttributeValue>> pairs, Set<String> replicas) {
        List<String> truth = new ArrayList<>();
        List<String> predicted = new ArrayList<>();
        List<Double> probabilities = new ArrayList<>();
        for (Map<String, AttributeValue> pair : pairs) {
            if (!pair.containsKey(QualityStore.PREDICTED) || !pair.containsKey(QualityStore.LABELS)) {
                continue; // not a labelled prediction
            }
            List<Prediction> rows;
            JsonNode labels;
            try {
                rows = GroundTruthLabels.rows(pair.get(QualityStore.PREDICTED).s());
                labels = Json.MAPPER.readTree(pair.get(QualityStore.LABELS).s());
            } catch (IOException | RuntimeException e) {
                continue;
            }
            if (labels.size() != rows.size()) {
                continue;
            }
            if (pair.containsKey(QualityStore.REPLICA)) {
                replicas.add(pair.get(QualityStore.REPLICA).s());
            }
            for (int i = 0; i < rows.size(); i++) {
                truth.add(labels.get(i).asText());
                predicted.add(rows.get(i).label());
                probabilities.add(rows.get(i).probability());
            }
        }
        if (settings.problemType() == ProblemType.REGRESSION) {
            double[] t = new double[truth.size()];
            double[] p = new double[truth.size()];
            for (int i = 0; i < t.length; i++) {
                t[i] = PredictionReader.number(truth.get(i));
                p[i] = PredictionReader.number(predicted.get(i));
            }
            return LabelledRows.regression(t, p);
        }
        double[] probs = new double[probabilities.size()];
        for (int i = 0; i < probs.length; i++) {
            probs[i] = probabilities.get(i);
        }
        return LabelledRows.classification(truth.toArray(String[]::new), predicted.toArray(String[]::new), probs);
    }

    private static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? 0 : Long.parseLong(value.n());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T await(CompletionStage<T> stage) {
        return Futures.await(stage, CALL_TIMEOUT, "the table");
    }
}
