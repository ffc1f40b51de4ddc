package io.sagewatch.monitor.quality;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.json.Json;
import io.sagewatch.table.InferenceTable;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The model-quality windows as the API shows them: pending ones with when they are due, evaluated ones' reports. */
@Singleton
public class QualityWindows {

    public static final String PENDING = "Pending";

    private final QualityStore store;

    QualityWindows(QualityStore store) {
        this.store = store;
    }

    /** Newest first: each evaluated window's summary, each pending one's start, due time and late labels so far. */
    public CompletionStage<List<JsonNode>> list(QualitySettings settings, int limit) {
        return store.windows(settings.endpoint(), Instant.EPOCH, true, limit, true)
                .thenApply(items -> {
                    List<JsonNode> windows = new ArrayList<>();
                    for (Map<String, AttributeValue> item : items) {
                        if (start(item) != null) {
                            windows.add(summary(settings, item));
                        }
                    }
                    return windows;
                });
    }

    /** The newest window evaluated, or null (pending windows come first: a day of minute windows waits at once). */
    public CompletionStage<Instant> latestEvaluated(QualitySettings settings) {
        return store.windows(settings.endpoint(), Instant.EPOCH, true, 20_000, false)
                .thenApply(items -> items.stream()
                        .filter(item -> item.containsKey(QualityStore.EVALUATIONS)
                                && !"0"
                                        .equals(item.get(QualityStore.EVALUATIONS)
                                                .n()))
                        .map(QualityWindows::start)
                        .filter(java.util.Objects::nonNull)
                        .findFirst()
                        .orElse(null));
    }

    /** A window item's start, or null when the item is not a window's. */
    static Instant start(Map<String, AttributeValue> item) {
        try {
            return Instant.parse(item.get(InferenceTable.REQUEST_ID).s());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A window's report, or null when it was not evaluated. */
    public CompletionStage<JsonNode> report(QualitySettings settings, Instant start) {
        return store.report(settings.endpoint(), start)
                .thenCompose(bytes -> store.window(settings.endpoint(), start).thenApply(item -> {
                    if (bytes == null) {
                        return null;
                    }
                    try {
                        ObjectNode report = (ObjectNode) Json.MAPPER.readTree(bytes);
                        if (item != null && item.containsKey(QualityStore.LATE)) {
                            // labels that came after this evaluation are counted since: the figure now
                            report.put(
                                    "late_labels",
                                    Long.parseLong(item.get(QualityStore.LATE).n()));
                        }
                        return report;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
    }

    private static JsonNode summary(QualitySettings settings, Map<String, AttributeValue> item) {
        Instant start = Instant.parse(item.get(InferenceTable.REQUEST_ID).s());
        long late = item.containsKey(QualityStore.LATE)
                ? Long.parseLong(item.get(QualityStore.LATE).n())
                : 0;
        if (item.containsKey(QualityStore.SUMMARY)) {
            try {
                ObjectNode summary = (ObjectNode)
                        Json.MAPPER.readTree(item.get(QualityStore.SUMMARY).s());
                summary.put("late_labels", late);
                if (summary.path("evaluation").asInt() == 1 && late > 0) {
                    summary.put(
                            "reevaluation_due_at",
                            settings.secondEvaluation(start).toString());
                }
                return summary;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        ObjectNode pending = Json.MAPPER.createObjectNode();
        pending.put("endpoint", settings.endpoint());
        pending.put("window_start", start.toString());
        pending.put("window_end", start.plus(settings.window()).toString());
        pending.put("status", PENDING);
        pending.put("due_at", settings.firstEvaluation(start).toString());
        pending.put("late_labels", late);
        return pending;
    }
}
