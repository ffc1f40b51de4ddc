package io.sagewatch.records;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.PipelineOrder;
import io.sagewatch.core.StreamStats;
import io.sagewatch.table.InferenceTable;
import io.sagewatch.table.TableClient;
import io.smallrye.mutiny.Uni;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Inference records in DynamoDB, an observer of every inference. Each request is written twice under the same key, both
 * through the {@link RecordSpool} in batches: an in-progress record while the model runs ({@link #started}), then the
 * final one ({@link #settled}), which carries every field and so does not depend on the first having landed.
 */
@ApplicationScoped
@Priority(PipelineOrder.RECORD)
public class InferenceRecordStore implements InferenceObserver {

    /** Captures are capped so that two of them, base64-encoded, stay well inside DynamoDB's 400 KB item limit. */
    public static final int MAX_CAPTURE_BYTES = 128 * 1024;

    private static final Duration MAX_DRAIN = Duration.ofSeconds(30);
    private static final Duration MIN_DRAIN = Duration.ofSeconds(5);

    private static final Logger LOG = Logger.getLogger(InferenceRecordStore.class);

    private final TableClient tables;
    private final InferenceTable table;
    private final SagewatchConfig.Store config;
    private final SagewatchConfig.Capture capture;
    private final RecordSpool spool;
    private final PayloadRedactor redactor;

    InferenceRecordStore(
            TableClient tables,
            InferenceTable table,
            RecordSpool spool,
            PayloadRedactor redactor,
            SagewatchConfig config) {
        this.redactor = redactor;
        this.tables = tables;
        this.table = table;
        this.spool = spool;
        this.config = config.store();
        this.capture = config.capture();
    }

    /**
     * Queues the in-progress record with the others (batched, see {@link RecordSpool}); the stage completes when it is
     * written, or spooled after a failed attempt. Never fails. While the table is failing it is not queued at all: the
     * answer must not wait on an outage, and the final record, spooled, records everything.
     */
    @Override
    public CompletionStage<Void> started(InferenceRequest request) {
        if (spool.tableFailing()) {
            return CompletableFuture.completedFuture(null);
        }
        return spool.open(inProgressRecord(request));
    }

    /**
     * Hands the final record to the spool, which writes it (batched, retried while the table fails) or dead-letters
     * it. Starts at once and cannot be cancelled by the caller; the stage completes when the record is stored or
     * dead-lettered, never exceptionally. With await-final-write the record has a deadline: a waiting caller (a Lambda
     * invocation) is not held longer than the configured retries take.
     */
    @Override
    public CompletionStage<Void> settled(InferenceOutcome outcome) {
        if (!config.awaitFinalWrite()) {
            spool.submit(finalRecord(outcome), null);
            return DONE;
        }
        return spool.submit(finalRecord(outcome), patience());
    }

    /** What the configured write retries may take, in all. */
    private Duration patience() {
        return config.writeTimeout()
                .multipliedBy(config.writeRetries() + 1L)
                .plus(config.writeBackoff().multipliedBy(4L * config.writeRetries()));
    }

    /** Flushes the spool (blocking: shutdown only) and dead-letters what is left; returns how many were. */
    public int drain(Duration patience) {
        return spool.flush(patience);
    }

    /** Early among shutdown observers: the client (and, in dev mode, DynamoDB Local) must still be up. */
    void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
        Duration patience = patience().compareTo(MIN_DRAIN) < 0 ? MIN_DRAIN : patience();
        int left = drain(patience.compareTo(MAX_DRAIN) > 0 ? MAX_DRAIN : patience);
        if (left > 0) {
            LOG.warnf("%d inference records were not written before shutdown and went to the dead-letter log", left);
        }
    }

    /** The newest record of an inference id (a client may reuse one). */
    public Uni<Optional<InferenceRecord>> find(String inferenceId) {
        QueryRequest query = QueryRequest.builder()
                .tableName(table.name())
                .keyConditionExpression("#id = :id")
                .expressionAttributeNames(Map.of("#id", InferenceTable.INFERENCE_ID))
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromS(inferenceId)))
                .scanIndexForward(false)
                .limit(1)
                .consistentRead(true)
                .build();
        return tables.uni(dynamo -> dynamo.query(query))
                .map(response -> response.items().stream()
                        .filter(InferenceTable::isRecord)
                        .findFirst()
                        .map(InferenceRecordItem::fromItem));
    }

    /** An endpoint's records received in [since, until], newest first. */
    public Uni<RecordPage> list(String endpoint, Instant since, Instant until, int limit, String next) {
        return list(endpoint, since, until, limit, next, RecordFilter.NONE);
    }

    /** An endpoint's records received in [since, until] that match the filter, newest first. */
    public Uni<RecordPage> list(
            String endpoint, Instant since, Instant until, int limit, String next, RecordFilter filter) {
        Map<String, String> names = new HashMap<>();
        names.put("#e", InferenceTable.ENDPOINT);
        names.put("#t", InferenceTable.RECEIVED_AT);
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":e", AttributeValue.fromS(endpoint));
        values.put(":since", AttributeValue.fromS(since == null ? "0" : InferenceTable.timestamp(since)));
        // "~" sorts after every digit: no upper bound
        values.put(":until", AttributeValue.fromS(until == null ? "~" : InferenceTable.timestamp(until)));
        String filterExpression = filter.expression(names, values);
        QueryRequest.Builder query = QueryRequest.builder()
                .tableName(table.name())
                .indexName(InferenceTable.BY_ENDPOINT)
                .keyConditionExpression("#e = :e AND #t BETWEEN :since AND :until")
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .scanIndexForward(false)
                .limit(limit);
        if (!filterExpression.isEmpty()) {
            query.filterExpression(filterExpression);
        }
        if (next != null) {
            query.exclusiveStartKey(PageToken.decode(next, endpoint));
        }
        QueryRequest request = query.build();
        return tables.uni(dynamo -> dynamo.query(request)).map(InferenceRecordStore::toPage);
    }

    private static RecordPage toPage(QueryResponse response) {
        List<InferenceRecord> items =
                response.items().stream().map(InferenceRecordItem::fromItem).toList();
        boolean more =
                response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty();
        return new RecordPage(items, more ? PageToken.encode(response.lastEvaluatedKey()) : null);
    }

    private InferenceRecord inProgressRecord(InferenceRequest request) {
        return InferenceRecordItem.inProgress(request, expiresAt(request));
    }

    private InferenceRecord finalRecord(InferenceOutcome o) {
        InferenceRequest r = o.request();
        ModelResponse response = o.response();
        StreamStats s = o.stream();
        boolean captured = sampled();
        int cap = Math.min(capture.maxBytes(), MAX_CAPTURE_BYTES);
        return InferenceRecordItem.settled(
                o,
                captured ? capture(r.body(), r.contentType(), cap, r.body().length) : null,
                captured && response != null
                        ? capture(
                                response.body(),
                                response.contentType(),
                                cap,
                                s == null ? response.body().length : s.bytes())
                        : null,
                expiresAt(r));
    }

    /** Redacted first (configured JSON pointers), then capped; null when redaction says not to keep it. */
    private CapturedPayload capture(byte[] payload, String contentType, int cap, long fullBytes) {
        byte[] kept = redactor.redact(payload);
        return kept == null ? null : CapturedPayload.of(kept, contentType, cap, fullBytes);
    }

    private boolean sampled() {
        double percent = capture.samplePercent();
        return percent >= 100 || (percent > 0 && ThreadLocalRandom.current().nextDouble(100) < percent);
    }

    private long expiresAt(InferenceRequest r) {
        return r.receivedAt().plus(config.retention()).getEpochSecond();
    }
}
