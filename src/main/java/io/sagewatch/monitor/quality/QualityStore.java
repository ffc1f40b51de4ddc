package io.sagewatch.monitor.quality;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Singleton;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.Futures;
import io.sagewatch.monitor.ModelHealthStore;
import io.sagewatch.table.InferenceTable;
import io.sagewatch.table.TableClient;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Model quality's items, in the inference table (no new table or permission). None carries the record's
 * {@code endpoint} attribute, so none is a record or in the endpoint index.
 *
 * <pre>
 *   inference_id                          request_id         what
 *   quality-prediction#ENDPOINT#ID        p                  an inference's prediction (window, rows), kept as long
 *                                                            as records (under a prefix of its own: a client's id
 *                                                            cannot name another partition)
 *   quality#ENDPOINT#WINDOWSTART#SHARD    INFERENCE ID       a labelled prediction of the window (last label wins)
 *   quality-window#ENDPOINT               WINDOWSTART        the window: due, evaluations, late labels, claim, summary
 *   quality-report#ENDPOINT               WINDOWSTART#PART   its evaluated report
 *   monitor-baseline#quality#ENDPOINT     v-current#PART     the model-quality baseline
 * </pre>
 *
 * Labelled predictions are spread over {@value #SHARDS} partitions per window, so that a burst of labels is not one hot
 * partition; an evaluation reads them all back (a window's labels, exactly: no sketch, no merge error).
 */
@Singleton
public class QualityStore {

    static final int SHARDS = 8;
    private static final int BATCH_WRITE = 25;
    private static final int BATCH_GET = 100;
    private static final int ROUNDS = 8;

    static final String WINDOW = "w";
    static final String ID = "id";
    static final String AT = "at";
    static final String REPLICA = "r";
    static final String PREDICTED = "p";
    static final String LABELS = "t";
    static final String LABELLED_AT = "labelled_at";
    static final String DUE = "due_at";
    static final String EVALUATIONS = "evaluations";
    static final String LATE = "late";
    static final String SUMMARY = "summary";
    static final String OWNER = "owner";
    static final String LEASE = "lease_until";

    private final TableClient table;
    private final ModelHealthStore values;
    private final String tableName;
    private final Duration recordRetention;
    private final Duration retention;

    QualityStore(TableClient table, InferenceTable inferences, ModelHealthStore values, SagewatchConfig config) {
        this.table = table;
        this.values = values;
        this.tableName = inferences.name();
        this.recordRetention = config.store().retention();
        this.retention = config.monitor().retention();
    }

    static String predictionKey(String endpoint, String inferenceId) {
        return "quality-prediction#" + endpoint + "#" + inferenceId;
    }

    static final String PREDICTION_SORT_KEY = "p";
    /** The largest prediction (its rows as JSON) kept: a labelled pair holds it and its labels within 400 KB. */
    static final int MAX_PREDICTION_CHARS = 150_000;

    static String pairKey(String endpoint, Instant windowStart, String inferenceId) {
        return "quality#" + endpoint + "#" + windowStart + "#" + Math.floorMod(inferenceId.hashCode(), SHARDS);
    }

    static String windowKey(String endpoint) {
        return "quality-window#" + endpoint;
    }

    // ---- predictions ------------------------------------------------------------------------------------------------

    /** A prediction waiting to be written. */
    record PredictionItem(String inferenceId, Instant inferenceAt, Instant windowStart, String rows, String replica) {}

    /**
     * Writes predictions in batches of 25; what the table leaves unprocessed is sent again (a few rounds). An id that
     * comes twice (a client reusing its inference id) is written once, the later prediction (DynamoDB refuses a batch
     * that names an item twice).
     */
    CompletionStage<Void> putPredictions(String endpoint, List<PredictionItem> predictions) {
        Map<String, PredictionItem> latest = new LinkedHashMap<>();
        for (PredictionItem prediction : predictions) {
            latest.remove(prediction.inferenceId());
            latest.put(prediction.inferenceId(), prediction);
        }
        List<WriteRequest> writes = new ArrayList<>();
        for (PredictionItem prediction : latest.values()) {
            Map<String, AttributeValue> item =
                    key(predictionKey(endpoint, prediction.inferenceId()), PREDICTION_SORT_KEY);
            item.put(WINDOW, n(prediction.windowStart().toEpochMilli()));
            item.put(AT, n(prediction.inferenceAt().toEpochMilli()));
            item.put(ID, s(prediction.inferenceId()));
            item.put(PREDICTED, s(prediction.rows()));
            item.put(REPLICA, s(prediction.replica()));
            item.put(
                    InferenceTable.EXPIRES_AT,
                    n(prediction.inferenceAt().plus(recordRetention).getEpochSecond()));
            writes.add(WriteRequest.builder()
                    .putRequest(PutRequest.builder().item(item).build())
                    .build());
        }
        return writeAll(writes);
    }

    /** Registers a window that has predictions, so that some replica evaluates it when it is due (idempotent). */
    CompletionStage<Void> registerWindow(String endpoint, Instant windowStart, Instant due) {
        return table.call(dynamo -> dynamo.updateItem(b -> b.tableName(tableName)
                        .key(key(windowKey(endpoint), windowStart.toString()))
                        .updateExpression("SET #due = if_not_exists(#due, :due), #ev = if_not_exists(#ev, :zero),"
                                + " #late = if_not_exists(#late, :zero), #exp = :exp")
                        .expressionAttributeNames(Map.of(
                                "#due", DUE, "#ev", EVALUATIONS, "#late", LATE, "#exp", InferenceTable.EXPIRES_AT))
                        .expressionAttributeValues(
                                Map.of(":due", n(due.toEpochMilli()), ":zero", n(0), ":exp", n(expiry(windowStart))))))
                .thenApply(done -> null);
    }

    /** The predictions of these inference ids that exist, by id (each id's item keeps its id in {@value #ID}). */
    CompletionStage<Map<String, Map<String, AttributeValue>>> predictions(String endpoint, List<String> ids) {
        Map<String, Map<String, AttributeValue>> found = new HashMap<>();
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (int from = 0; from < ids.size(); from += BATCH_GET) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (String id : ids.subList(from, Math.min(ids.size(), from + BATCH_GET))) {
                keys.add(key(predictionKey(endpoint, id), PREDICTION_SORT_KEY));
            }
            chain = chain.thenCompose(done -> getAll(keys, found, 0));
        }
        return chain.thenApply(done -> found);
    }

    private CompletionStage<Void> getAll(
            List<Map<String, AttributeValue>> keys, Map<String, Map<String, AttributeValue>> found, int round) {
        if (keys.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (round >= ROUNDS) {
            return CompletableFuture.failedFuture(
                    new IllegalStateException("the table left " + keys.size() + " reads unprocessed"));
        }
        return table.call(dynamo -> dynamo.batchGetItem(b -> b.requestItems(Map.of(
                        tableName,
                        KeysAndAttributes.builder()
                                .keys(keys)
                                .consistentRead(true)
                                .build()))))
                .thenCompose((BatchGetItemResponse response) -> {
                    for (Map<String, AttributeValue> item : response.responses().getOrDefault(tableName, List.of())) {
                        if (item.containsKey(ID) && item.containsKey(WINDOW) && item.containsKey(PREDICTED)) {
                            found.put(item.get(ID).s(), item);
                        }
                    }
                    KeysAndAttributes left = response.unprocessedKeys().get(tableName);
                    return left == null
                            ? CompletableFuture.completedFuture(null)
                            : pause(round).thenCompose(waited -> getAll(left.keys(), found, round + 1));
                });
    }

    // ---- labelled predictions ---------------------------------------------------------------------------------------

    /** A labelled prediction: the prediction's rows and the label's values (JSON arrays). */
    record Pair(String inferenceId, Instant windowStart, String predicted, String labels, String replica) {}

    CompletionStage<Void> putPairs(String endpoint, List<Pair> pairs, Instant now) {
        List<WriteRequest> writes = new ArrayList<>();
        for (Pair pair : pairs) {
            Map<String, AttributeValue> item =
                    key(pairKey(endpoint, pair.windowStart(), pair.inferenceId()), pair.inferenceId());
            item.put(PREDICTED, s(pair.predicted()));
            item.put(LABELS, s(pair.labels()));
            item.put(REPLICA, s(pair.replica()));
            item.put(LABELLED_AT, n(now.toEpochMilli()));
            item.put(InferenceTable.EXPIRES_AT, n(expiry(pair.windowStart())));
            writes.add(WriteRequest.builder()
                    .putRequest(PutRequest.builder().item(item).build())
                    .build());
        }
        return writeAll(writes);
    }

    /** Every labelled prediction of a window, from all its shards. */
    CompletionStage<List<Map<String, AttributeValue>>> pairs(String endpoint, Instant windowStart) {
        List<Map<String, AttributeValue>> all = new ArrayList<>();
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (int shard = 0; shard < SHARDS; shard++) {
            String partition = "quality#" + endpoint + "#" + windowStart + "#" + shard;
            chain = chain.thenCompose(done -> query(partition, null, all));
        }
        return chain.thenApply(done -> all);
    }

    private CompletionStage<Void> query(
            String partition, Map<String, AttributeValue> start, List<Map<String, AttributeValue>> into) {
        QueryRequest.Builder query = QueryRequest.builder()
                .tableName(tableName)
                .consistentRead(true)
                .keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", InferenceTable.INFERENCE_ID))
                .expressionAttributeValues(Map.of(":pk", s(partition)));
        if (start != null) {
            query.exclusiveStartKey(start);
        }
        QueryRequest request = query.build();
        return table.call(dynamo -> dynamo.query(request)).thenCompose((QueryResponse page) -> {
            into.addAll(page.items());
            return page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
                    ? query(partition, page.lastEvaluatedKey(), into)
                    : CompletableFuture.completedFuture(null);
        });
    }

    // ---- windows ----------------------------------------------------------------------------------------------------

    /** A window's item, or null. */
    CompletionStage<Map<String, AttributeValue>> window(String endpoint, Instant windowStart) {
        return table.call(dynamo -> dynamo.getItem(b -> b.tableName(tableName)
                        .consistentRead(true)
                        .key(key(windowKey(endpoint), windowStart.toString()))))
                .thenApply(found -> found.hasItem() ? found.item() : null);
    }

    /** Counts labels that came after the window's first evaluation (a window no longer in the table: nothing). */
    CompletionStage<Void> addLate(String endpoint, Instant windowStart, long count) {
        return table.call(dynamo -> dynamo.updateItem(b -> b.tableName(tableName)
                        .key(key(windowKey(endpoint), windowStart.toString()))
                        .updateExpression("ADD #late :n")
                        .conditionExpression("attribute_exists(#due)")
                        .expressionAttributeNames(Map.of("#late", LATE, "#due", DUE))
                        .expressionAttributeValues(Map.of(":n", n(count)))))
                .thenApply(done -> (Void) null)
                .exceptionally(failure -> {
                    if (Futures.unwrap(failure) instanceof ConditionalCheckFailedException) {
                        return null;
                    }
                    throw new java.util.concurrent.CompletionException(Futures.unwrap(failure));
                });
    }

    /** The windows starting at or after {@code since}, oldest first; with {@code newestFirst}, at most limit of them. */
    CompletionStage<List<Map<String, AttributeValue>>> windows(
            String endpoint, Instant since, boolean newestFirst, int limit, boolean withSummary) {
        List<Map<String, AttributeValue>> all = new ArrayList<>();
        return windows(endpoint, since, newestFirst, limit, withSummary, null, all)
                .thenApply(done -> all);
    }

    private CompletionStage<Void> windows(
            String endpoint,
            Instant since,
            boolean newestFirst,
            int limit,
            boolean withSummary,
            Map<String, AttributeValue> start,
            List<Map<String, AttributeValue>> into) {
        QueryRequest.Builder query = QueryRequest.builder()
                .tableName(tableName)
                .consistentRead(true)
                .scanIndexForward(!newestFirst)
                .keyConditionExpression("#pk = :pk AND #sk >= :since")
                .expressionAttributeNames(Map.of("#pk", InferenceTable.INFERENCE_ID, "#sk", InferenceTable.REQUEST_ID))
                .expressionAttributeValues(Map.of(":pk", s(windowKey(endpoint)), ":since", s(since.toString())));
        if (!withSummary) { // the scan for due windows reads only what it needs, not every window's metrics
            query.projectionExpression("#pk, #sk, #ev, #late")
                    .expressionAttributeNames(Map.of(
                            "#pk",
                            InferenceTable.INFERENCE_ID,
                            "#sk",
                            InferenceTable.REQUEST_ID,
                            "#ev",
                            EVALUATIONS,
                            "#late",
                            LATE));
        }
        if (start != null) {
            query.exclusiveStartKey(start);
        }
        QueryRequest request = query.build();
        return table.call(dynamo -> dynamo.query(request)).thenCompose((QueryResponse page) -> {
            for (Map<String, AttributeValue> item : page.items()) {
                if (into.size() < limit) {
                    into.add(item);
                }
            }
            return into.size() < limit
                            && page.hasLastEvaluatedKey()
                            && !page.lastEvaluatedKey().isEmpty()
                    ? windows(endpoint, since, newestFirst, limit, withSummary, page.lastEvaluatedKey(), into)
                    : CompletableFuture.completedFuture(null);
        });
    }

    /**
     * Claims a window's evaluation number {@code evaluation} (1 or 2): won by one replica, unless its lease ran out
     * before it was done. False when another holds it, or it was done.
     */
    CompletionStage<Boolean> claim(
            String endpoint, Instant windowStart, int evaluation, String replica, Duration lease) {
        long now = Instant.now().toEpochMilli();
        return table.call(dynamo -> dynamo.updateItem(b -> b.tableName(tableName)
                        .key(key(windowKey(endpoint), windowStart.toString()))
                        .updateExpression("SET #owner = :me, #lease = :until")
                        .conditionExpression(
                                "#ev = :before AND (attribute_not_exists(#lease) OR #lease < :now OR #owner = :me)")
                        .expressionAttributeNames(Map.of("#owner", OWNER, "#lease", LEASE, "#ev", EVALUATIONS))
                        .expressionAttributeValues(Map.of(
                                ":me", s(replica),
                                ":until", n(now + lease.toMillis()),
                                ":before", n(evaluation - 1),
                                ":now", n(now)))))
                .thenApply(done -> true)
                .exceptionally(failure -> {
                    if (Futures.unwrap(failure) instanceof ConditionalCheckFailedException) {
                        return false;
                    }
                    throw new java.util.concurrent.CompletionException(Futures.unwrap(failure));
                });
    }

    /** Stores an evaluated window's report, then its summary on the window item (the evaluation is then done). */
    CompletionStage<Void> putEvaluation(
            String endpoint, Instant windowStart, int evaluation, String replica, byte[] report, String summary) {
        return values.putValue("quality-report#" + endpoint, windowStart.toString(), report)
                .thenCompose(stored -> table.call(dynamo -> dynamo.updateItem(b -> b.tableName(tableName)
                        .key(key(windowKey(endpoint), windowStart.toString()))
                        .updateExpression("SET #ev = :ev, #summary = :summary REMOVE #lease")
                        .conditionExpression("#owner = :me AND #ev = :before")
                        .expressionAttributeNames(
                                Map.of("#ev", EVALUATIONS, "#summary", SUMMARY, "#lease", LEASE, "#owner", OWNER))
                        .expressionAttributeValues(Map.of(
                                ":ev", n(evaluation),
                                ":before", n(evaluation - 1),
                                ":summary", s(summary),
                                ":me", s(replica))))))
                .thenApply(done -> null);
    }

    CompletionStage<byte[]> report(String endpoint, Instant windowStart) {
        return values.value("quality-report#" + endpoint, windowStart.toString());
    }

    // ---- baseline ---------------------------------------------------------------------------------------------------

    private static final String BASELINE = "v-current";

    CompletionStage<Void> putBaseline(String endpoint, byte[] baseline) {
        return values.putValue("monitor-baseline#quality#" + endpoint, BASELINE, baseline);
    }

    CompletionStage<byte[]> baseline(String endpoint) {
        return values.value("monitor-baseline#quality#" + endpoint, BASELINE);
    }

    // ---- plumbing ---------------------------------------------------------------------------------------------------

    private CompletionStage<Void> writeAll(List<WriteRequest> writes) {
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (int from = 0; from < writes.size(); from += BATCH_WRITE) {
            List<WriteRequest> batch = writes.subList(from, Math.min(writes.size(), from + BATCH_WRITE));
            chain = chain.thenCompose(done -> write(batch, 0));
        }
        return chain;
    }

    private CompletionStage<Void> write(List<WriteRequest> batch, int round) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (round >= ROUNDS) {
            return CompletableFuture.failedFuture(
                    new IllegalStateException("the table left " + batch.size() + " writes unprocessed"));
        }
        return table.call(dynamo -> dynamo.batchWriteItem(b -> b.requestItems(Map.of(tableName, batch))))
                .thenCompose((BatchWriteItemResponse response) -> {
                    List<WriteRequest> left = response.unprocessedItems().get(tableName);
                    return left == null || left.isEmpty()
                            ? CompletableFuture.completedFuture(null)
                            : pause(round).thenCompose(waited -> write(left, round + 1));
                });
    }

    private static CompletionStage<Void> pause(int round) {
        return CompletableFuture.runAsync(
                () -> {},
                CompletableFuture.delayedExecutor(
                        Math.min(1000, 25L << round), java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    private long expiry(Instant windowStart) {
        return windowStart.plus(retention).getEpochSecond();
    }

    private static Map<String, AttributeValue> key(String partitionKey, String sortKey) {
        Map<String, AttributeValue> key = new HashMap<>();
        key.put(InferenceTable.INFERENCE_ID, s(partitionKey));
        key.put(InferenceTable.REQUEST_ID, s(sortKey));
        return key;
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
