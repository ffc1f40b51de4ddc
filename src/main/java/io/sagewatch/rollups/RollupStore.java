package io.sagewatch.rollups;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.table.InferenceTable;
import io.sagewatch.table.TableClient;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Rollups in the inference table (no new table or permission). Each replica writes its own items, cumulative for the
 * span, overwritten as the span goes on: a retried write counts nothing twice, and a reader merges the replicas'.
 *
 * <pre>
 *   inference_id              request_id          what
 *   rollup#LEVEL#SERIES       SPAN#REPLICA        one replica's rollup of a span
 *   rollup-endpoints          SERIES              a series that has rollups (what the overview lists)
 * </pre>
 *
 * A series is an endpoint, {@code *} (every endpoint), or {@code ENDPOINT/MODEL}: the share of one model name of the
 * OpenAI front (configured names, so a bounded set) in that endpoint's traffic.
 */
@ApplicationScoped
public class RollupStore {

    /** The endpoint name of the gateway-wide rollups (no SageMaker endpoint name has a '*'). */
    public static final String ALL = "*";

    /** Between an endpoint and a model in a series name (no SageMaker endpoint name has a '/'). */
    private static final char MODEL_SEPARATOR = '/';

    static final String DATA = "data";
    private static final String ENDPOINTS = "rollup-endpoints";
    private static final int BATCH = 25;
    private static final int UNPROCESSED_RETRIES = 5;

    /** One replica's rollup of one span, as it is written. */
    public record Item(
            RollupLevel level, String endpoint, Instant start, String replica, byte[] data, long expiresAt) {}

    private final TableClient table;
    private final String tableName;

    RollupStore(TableClient table, InferenceTable inferences) {
        this.table = table;
        this.tableName = inferences.name();
    }

    /** The series of one model's share of an endpoint. */
    public static String series(String endpoint, String model) {
        return endpoint + MODEL_SEPARATOR + model;
    }

    /** The endpoint of a series (itself, unless it is a model's share). */
    public static String endpointOf(String series) {
        int separator = series.indexOf(MODEL_SEPARATOR);
        return separator < 0 ? series : series.substring(0, separator);
    }

    /** The model of a series, or null when it is an endpoint's (or every endpoint's). */
    public static String modelOf(String series) {
        int separator = series.indexOf(MODEL_SEPARATOR);
        return separator < 0 ? null : series.substring(separator + 1);
    }

    static String partition(RollupLevel level, String endpoint) {
        return "rollup#" + level.name().toLowerCase(java.util.Locale.ROOT) + "#" + endpoint;
    }

    /** Writes the items (replacing this replica's earlier versions of them), 25 to a call. */
    public CompletionStage<Void> write(List<Item> items) {
        List<WriteRequest> writes = new ArrayList<>(items.size());
        for (Item item : items) {
            Map<String, AttributeValue> attributes = new HashMap<>();
            attributes.put(InferenceTable.INFERENCE_ID, s(partition(item.level(), item.endpoint())));
            attributes.put(InferenceTable.REQUEST_ID, s(item.level().key(item.start()) + "#" + item.replica()));
            attributes.put(DATA, AttributeValue.fromB(SdkBytes.fromByteArray(item.data())));
            attributes.put(InferenceTable.EXPIRES_AT, AttributeValue.fromN(Long.toString(item.expiresAt())));
            writes.add(WriteRequest.builder()
                    .putRequest(PutRequest.builder().item(attributes).build())
                    .build());
        }
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (int from = 0; from < writes.size(); from += BATCH) {
            List<WriteRequest> batch = writes.subList(from, Math.min(writes.size(), from + BATCH));
            all = all.thenCompose(ignored -> writeBatch(batch, 0));
        }
        return all;
    }

    private CompletableFuture<Void> writeBatch(List<WriteRequest> batch, int retry) {
        return table.<BatchWriteItemResponse>call(
                        dynamo -> dynamo.batchWriteItem(b -> b.requestItems(Map.of(tableName, batch))))
                .toCompletableFuture()
                .thenCompose(response -> {
                    List<WriteRequest> left = response.unprocessedItems().getOrDefault(tableName, List.of());
                    if (left.isEmpty()) {
                        return CompletableFuture.completedFuture(null);
                    }
                    if (retry >= UNPROCESSED_RETRIES) {
                        return CompletableFuture.failedFuture(
                                new IllegalStateException(left.size() + " rollup items left unprocessed by the table"));
                    }
                    return writeBatch(left, retry + 1);
                });
    }

    /** Marks an endpoint as having rollups. */
    public CompletionStage<Void> registerEndpoint(String endpoint) {
        return table.call(dynamo -> dynamo.putItem(b -> b.tableName(tableName)
                        .item(Map.of(
                                InferenceTable.INFERENCE_ID, s(ENDPOINTS), InferenceTable.REQUEST_ID, s(endpoint)))))
                .thenApply(response -> null);
    }

    /** The endpoints that have rollups, by name. */
    public CompletionStage<List<String>> endpoints() {
        QueryRequest query = QueryRequest.builder()
                .tableName(tableName)
                .keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", InferenceTable.INFERENCE_ID))
                .expressionAttributeValues(Map.of(":pk", s(ENDPOINTS)))
                .build();
        List<String> names = new ArrayList<>();
        return pages(
                        query,
                        null,
                        page -> page.items()
                                .forEach(item -> names.add(
                                        item.get(InferenceTable.REQUEST_ID).s())))
                .thenApply(done -> names);
    }

    /**
     * One endpoint's rollups at a level, every replica's merged, by span start, for the spans starting in
     * {@code [from, until)}.
     */
    public CompletionStage<NavigableMap<Instant, Rollup>> read(
            RollupLevel level, String endpoint, Instant from, Instant until) {
        QueryRequest query = QueryRequest.builder()
                .tableName(tableName)
                .keyConditionExpression("#pk = :pk AND #sk BETWEEN :from AND :until")
                .expressionAttributeNames(
                        Map.of("#pk", InferenceTable.INFERENCE_ID, "#sk", InferenceTable.REQUEST_ID, "#data", DATA))
                .expressionAttributeValues(Map.of(
                        ":pk", s(partition(level, endpoint)),
                        ":from", s(level.key(level.start(from))),
                        // '#' sorts before every character of a replica id; '$' after '#': the last span's replicas
                        ":until", s(level.key(level.start(until.minusNanos(1))) + "$")))
                .projectionExpression("#sk, #data")
                .build();
        Instant first = level.start(from);
        NavigableMap<Instant, Rollup> spans = new TreeMap<>();
        return pages(query, null, page -> {
                    for (Map<String, AttributeValue> item : page.items()) {
                        String sortKey = item.get(InferenceTable.REQUEST_ID).s();
                        Instant start = level.parse(sortKey.substring(0, sortKey.indexOf('#')));
                        if (start.isBefore(first) || !start.isBefore(until)) {
                            continue;
                        }
                        Rollup rollup = Rollup.fromBytes(item.get(DATA).b().asByteArray());
                        spans.merge(start, rollup, (a, b) -> {
                            a.merge(b);
                            return a;
                        });
                    }
                })
                .thenApply(done -> spans);
    }

    private CompletableFuture<Void> pages(
            QueryRequest query, Map<String, AttributeValue> after, java.util.function.Consumer<QueryResponse> each) {
        QueryRequest page = after == null
                ? query
                : query.toBuilder().exclusiveStartKey(after).build();
        return table.<QueryResponse>call(dynamo -> dynamo.query(page))
                .toCompletableFuture()
                .thenCompose(response -> {
                    each.accept(response);
                    return response.hasLastEvaluatedKey()
                                    && !response.lastEvaluatedKey().isEmpty()
                            ? pages(query, response.lastEvaluatedKey(), each)
                            : CompletableFuture.completedFuture(null);
                });
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
