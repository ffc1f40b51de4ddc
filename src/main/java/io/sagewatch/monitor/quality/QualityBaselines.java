package io.sagewatch.monitor.quality;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.json.Json;

/**
 * An endpoint's model-quality baseline: Model Monitor's model-quality {@code statistics.json} and
 * {@code constraints.json}, uploaded unchanged or computed from a labelled dataset (constraints suggested as its
 * baseline job does). One per endpoint; a new one replaces it.
 */
@Singleton
public class QualityBaselines {

    /** A baseline as stored: its files, where it came from and when. */
    public record Baseline(
            String source,
            Instant createdAt,
            JsonNode statistics,
            Map<String, QualityMetrics.Metric> metrics,
            Map<String, QualityFiles.Constraint> constraints,
            ProblemType type) {

        public ObjectNode toJson() {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("source", source);
            root.put("created_at", createdAt.toString());
            root.set("statistics", statistics);
            root.set("constraints", QualityFiles.constraintsJson(type, constraints));
            return root;
        }
    }

    private final QualityStore store;

    QualityBaselines(QualityStore store) {
        this.store = store;
    }

    /** The endpoint's baseline, or null. */
    public CompletionStage<Baseline> current(QualitySettings settings) {
        return store.baseline(settings.endpoint()).thenApply(bytes -> {
            if (bytes == null) {
                return null;
            }
            try {
                JsonNode root = Json.MAPPER.readTree(bytes);
                return parse(
                        settings.problemType(),
                        root.path("source").asText(),
                        Instant.parse(root.path("created_at").asText()),
                        root.get("statistics"),
                        root.get("constraints"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Stores Model Monitor's files as the baseline; constraints left out are suggested from the statistics.
     *
     * @throws IllegalArgumentException naming every problem with the files
     */
    public CompletionStage<Baseline> upload(QualitySettings settings, JsonNode statistics, JsonNode constraints) {
        Baseline baseline = parse(settings.problemType(), "upload", Instant.now(), statistics, constraints);
        return store(settings, baseline);
    }

    /** Computes the baseline from labelled rows (a dataset the endpoint's model answered), suggesting constraints. */
    public CompletionStage<Baseline> fromRows(QualitySettings settings, LabelledRows rows) {
        if (rows.size() == 0) {
            throw new IllegalArgumentException("the dataset has no rows");
        }
        Instant now = Instant.now();
        QualityMetrics.Result result =
                QualityMetrics.compute(settings.problemType(), settings.positiveLabel(), rows, now.toEpochMilli());
        ObjectNode statistics = QualityFiles.statistics(result, now);
        Baseline baseline = new Baseline(
                "dataset",
                now,
                statistics,
                result.scalars(),
                QualityFiles.suggested(settings.problemType(), result.scalars()),
                settings.problemType());
        return store(settings, baseline);
    }

    private CompletionStage<Baseline> store(QualitySettings settings, Baseline baseline) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(baseline.toJson());
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return store.putBaseline(settings.endpoint(), bytes).thenApply(done -> baseline);
    }

    static Baseline parse(ProblemType type, String source, Instant at, JsonNode statistics, JsonNode constraints) {
        List<String> problems = new ArrayList<>();
        Map<String, QualityMetrics.Metric> metrics = Map.of();
        if (statistics == null || !statistics.isObject()) {
            problems.add("statistics must be a model-quality statistics.json object");
        } else {
            try {
                metrics = QualityFiles.scalars(statistics, type);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        Map<String, QualityFiles.Constraint> bounds = Map.of();
        if (constraints != null && !constraints.isNull()) {
            try {
                bounds = QualityFiles.constraints(constraints, type);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        } else {
            bounds = QualityFiles.suggested(type, metrics);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return new Baseline(source, at, statistics, metrics, bounds, type);
    }
}
