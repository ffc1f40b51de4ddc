package io.sagewatch.monitor.quality;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;

import io.sagewatch.json.Json;
import io.sagewatch.metrics.ModelHealthMeters;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Joins ground truth to the predictions the gateway kept: each label is looked up by its inference id and stored with
 * the prediction in its window (by inference time), where the window's evaluation finds it. A label for an id with no
 * kept prediction is counted as unknown; a label sent again replaces the earlier one; a label after its window's first
 * evaluation was due is counted late (and earns the window its one re-evaluation).
 */
@Singleton
public class GroundTruthLabels {

    /** What became of a batch. */
    public record Answer(int accepted, int unknown, int late, List<GroundTruth.Rejected> rejected) {}

    private final QualityStore store;
    private final ModelHealthMeters meters;
    private final java.time.Duration scanInterval;

    GroundTruthLabels(QualityStore store, ModelHealthMeters meters, io.sagewatch.config.SagewatchConfig config) {
        this.store = store;
        this.meters = meters;
        this.scanInterval = config.monitor().flushInterval();
    }

    public CompletionStage<Answer> apply(QualitySettings settings, GroundTruth.Batch batch) {
        Map<String, GroundTruth.Label> latest = new LinkedHashMap<>();
        for (GroundTruth.Label label : batch.labels()) {
            latest.remove(label.inferenceId()); // the last of the batch wins, in its place
            latest.put(label.inferenceId(), label);
        }
        String endpoint = settings.endpoint();
        return store.predictions(endpoint, new ArrayList<>(latest.keySet())).thenCompose(found -> {
            Instant now = Instant.now();
            List<GroundTruth.Rejected> rejected = new ArrayList<>(batch.rejected());
            List<QualityStore.Pair> pairs = new ArrayList<>();
            Map<Instant, Long> late = new LinkedHashMap<>();
            int unknown = 0;
            for (GroundTruth.Label label : latest.values()) {
                Map<String, AttributeValue> prediction = found.get(label.inferenceId());
                if (prediction == null) {
                    unknown++;
                    continue;
                }
                String rows = prediction.get(QualityStore.PREDICTED).s();
                String problem = mismatch(settings, rows, label.values());
                if (problem != null) {
                    rejected.add(new GroundTruth.Rejected(label.line(), problem));
                    continue;
                }
                Instant window = Instant.ofEpochMilli(
                        Long.parseLong(prediction.get(QualityStore.WINDOW).n()));
                String replica = prediction.containsKey(QualityStore.REPLICA)
                        ? prediction.get(QualityStore.REPLICA).s()
                        : "";
                pairs.add(new QualityStore.Pair(label.inferenceId(), window, rows, json(label.values()), replica));
                // late once its window could be being evaluated: a scan interval early, so that a label written as
                // the evaluator reads (or on a replica whose clock is behind) still earns the window its second look
                if (!now.isBefore(settings.firstEvaluation(window).minus(scanInterval))) {
                    late.merge(window, 1L, Long::sum);
                }
            }
            rejected.sort(java.util.Comparator.comparingInt(GroundTruth.Rejected::line));
            int unknownCount = unknown;
            CompletionStage<Void> counted = store.putPairs(endpoint, pairs, now);
            for (Map.Entry<Instant, Long> window : late.entrySet()) {
                counted = counted.thenCompose(done -> store.addLate(endpoint, window.getKey(), window.getValue()));
            }
            return counted.thenApply(done -> {
                int lateCount = late.values().stream().mapToInt(Long::intValue).sum();
                meters.labels(endpoint, "accepted", pairs.size());
                meters.labels(endpoint, "unknown", unknownCount);
                meters.labels(endpoint, "late", lateCount);
                meters.labels(endpoint, "rejected", rejected.size());
                return new Answer(pairs.size(), unknownCount, lateCount, rejected);
            });
        });
    }

    /** Why a label cannot go with the prediction, or null when it can. */
    private static String mismatch(QualitySettings settings, String rows, List<String> values) {
        int count;
        try {
            count = Json.MAPPER.readTree(rows).size();
        } catch (IOException e) {
            return "the kept prediction cannot be read";
        }
        if (String.join(",", values).length() > QualityStore.MAX_PREDICTION_CHARS) {
            return "the label is larger than a stored label may be (" + QualityStore.MAX_PREDICTION_CHARS
                    + " characters)";
        }
        if (count != values.size()) {
            return "the inference answered " + count + " row" + (count == 1 ? "" : "s") + "; its label holds "
                    + values.size() + " value" + (values.size() == 1 ? "" : "s") + " (one per row, in order)";
        }
        if (settings.problemType() == ProblemType.REGRESSION) {
            for (String value : values) {
                if (Double.isNaN(PredictionReader.number(value))) {
                    return "a regression label must be a number, not '" + value + "'";
                }
            }
        }
        return null;
    }

    static String json(List<String> values) {
        try {
            return Json.MAPPER.writeValueAsString(values);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rows of a kept prediction: each [label, probability or null]. */
    static List<Prediction> rows(String stored) {
        try {
            List<Prediction> rows = new ArrayList<>();
            for (JsonNode row : Json.MAPPER.readTree(stored)) {
                rows.add(new Prediction(
                        row.get(0).asText(),
                        row.get(1).isNull() ? Double.NaN : row.get(1).asDouble()));
            }
            return rows;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
