package io.sagewatch.monitor;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.monitor.check.ConstraintSuggestion;
import io.sagewatch.monitor.features.PayloadFormat;
import io.sagewatch.monitor.features.UnreadablePayloadException;
import io.sagewatch.monitor.format.Baseline;
import io.sagewatch.monitor.format.Constraints;
import io.sagewatch.monitor.format.DatasetStatistics;
import io.sagewatch.monitor.format.InvalidBaselineException;
import io.sagewatch.monitor.format.ModelMonitorJson;
import io.sagewatch.monitor.window.WindowAccumulator;

/**
 * Each monitored endpoint's baseline: stored versioned in the table, read through a short cache (so a baseline
 * uploaded to one replica reaches the others within a flush interval). Three ways in: Model Monitor's files, a
 * dataset, or live traffic learned for a while.
 */
@ApplicationScoped
public class Baselines {

    private final ModelHealthStore store;
    private final EndpointMonitors monitors;
    private final int datasetSketchSize;
    private final Duration refresh;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Baseline baseline, Instant readAt) {}

    Baselines(ModelHealthStore store, EndpointMonitors monitors, SagewatchConfig config) {
        this.store = store;
        this.monitors = monitors;
        this.datasetSketchSize = config.monitor().baselineSketchSize();
        this.refresh = config.monitor().flushInterval();
    }

    /** The endpoint's latest baseline, or null; at most a flush interval old. */
    public CompletionStage<Baseline> current(String endpoint) {
        Cached cached = cache.get(endpoint);
        if (cached != null && cached.readAt().plus(refresh).isAfter(Instant.now())) {
            return CompletableFuture.completedFuture(cached.baseline());
        }
        Instant readAt = Instant.now();
        return store.baselineVersions(endpoint)
                .thenApply(ModelHealthStore.Versions::committed)
                .thenCompose(version -> {
                    if (version == 0) {
                        return CompletableFuture.completedFuture((Baseline) null);
                    }
                    if (cached != null
                            && cached.baseline() != null
                            && cached.baseline().version() == version) {
                        return CompletableFuture.completedFuture(cached.baseline());
                    }
                    return store.baseline(endpoint, version)
                            .thenApply(bytes -> bytes == null ? null : ModelMonitorJson.readBaseline(bytes));
                })
                .thenApply(baseline -> {
                    cache.put(endpoint, new Cached(baseline, readAt));
                    return baseline;
                });
    }

    /**
     * Model Monitor's files as a new version; without constraints, the ones a baseline job would suggest.
     *
     * @throws InvalidBaselineException naming every problem of either file
     */
    public CompletionStage<Baseline> upload(String endpoint, byte[] statisticsJson, byte[] constraintsJson) {
        DatasetStatistics statistics = null;
        Constraints constraints = null;
        java.util.List<String> problems = new java.util.ArrayList<>();
        try {
            statistics = ModelMonitorJson.readStatistics(statisticsJson);
        } catch (InvalidBaselineException e) {
            e.problems().forEach(problem -> problems.add(ModelMonitorJson.STATISTICS + " " + problem));
        }
        if (constraintsJson != null) {
            try {
                constraints = ModelMonitorJson.readConstraints(constraintsJson);
            } catch (InvalidBaselineException e) {
                e.problems().forEach(problem -> problems.add(ModelMonitorJson.CONSTRAINTS + " " + problem));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidBaselineException("The baseline", problems);
        }
        return store(
                endpoint,
                Baseline.UPLOADED,
                statistics,
                constraints != null ? constraints : ConstraintSuggestion.suggest(statistics));
    }

    /**
     * Builds a baseline from a dataset file (CSV, JSON, JSON lines), read as the endpoint's payloads are.
     *
     * @throws UnreadablePayloadException when the file is not in its content type's format
     */
    public CompletionStage<Baseline> fromDataset(String endpoint, byte[] dataset, String contentType) {
        MonitorSettings settings = monitors.settings(endpoint);
        PayloadFormat format = PayloadFormat.ofContentType(contentType);
        if (format == null) {
            throw new UnreadablePayloadException(
                    "a dataset must be text/csv, application/json or" + " application/jsonlines, not " + contentType);
        }
        if (settings.llm()) {
            throw new UnreadablePayloadException("the llm preset's features come from live traffic: learn the baseline"
                    + " (sagewatch.endpoint.NAME.monitor.learn-baseline-for) instead of building it from a dataset");
        }
        WindowAccumulator rows = new WindowAccumulator(datasetSketchSize);
        int count = settings.datasetRows(format).extract(dataset, rows);
        if (count == 0) {
            throw new UnreadablePayloadException("the dataset has no rows");
        }
        DatasetStatistics statistics = rows.toStatistics(java.util.List.of(), name -> null);
        return store(endpoint, Baseline.DATASET, statistics, ConstraintSuggestion.suggest(statistics));
    }

    /**
     * Builds a baseline from sample inferences, read exactly as live ones are (the dev mode's demo baselines come
     * from the demo models' answers this way).
     */
    public CompletionStage<Baseline> fromSamples(
            String endpoint, java.util.List<io.sagewatch.monitor.features.Sample> samples) {
        MonitorSettings settings = monitors.settings(endpoint);
        io.sagewatch.monitor.features.SampleFeatures features = settings.features(null);
        WindowAccumulator rows = new WindowAccumulator(datasetSketchSize);
        for (io.sagewatch.monitor.features.Sample sample : samples) {
            features.extract(sample, rows);
        }
        DatasetStatistics statistics = rows.toStatistics(java.util.List.of(), name -> null);
        return store(endpoint, Baseline.DATASET, statistics, ConstraintSuggestion.suggest(statistics));
    }

    /** A learned baseline, frozen: statistics of the traffic seen, and the constraints suggested from them. */
    CompletionStage<Baseline> freezeLearned(String endpoint, WindowAccumulator learned) {
        DatasetStatistics statistics = learned.toStatistics(java.util.List.of(), name -> null);
        return store(endpoint, Baseline.LEARNED, statistics, ConstraintSuggestion.suggest(statistics));
    }

    /** Stores as the next version; when another replica took that version first, as the one after. */
    private CompletionStage<Baseline> store(
            String endpoint, String source, DatasetStatistics statistics, Constraints constraints) {
        return store.baselineVersions(endpoint).thenCompose(versions -> {
            Baseline baseline =
                    new Baseline(endpoint, versions.claimed() + 1, source, Instant.now(), statistics, constraints);
            return store.putBaseline(endpoint, baseline.version(), ModelMonitorJson.writeBaseline(baseline))
                    .thenCompose(stored -> {
                        if (!stored) {
                            return store(endpoint, source, statistics, constraints);
                        }
                        cache.put(endpoint, new Cached(baseline, Instant.now()));
                        return CompletableFuture.completedFuture(baseline);
                    });
        });
    }
}
