package io.sagewatch.store;

import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletionException;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Idempotency keys, in the record table (one item per endpoint and key, outside the endpoint index): a conditional
 * write claims the key before the model is called, so a key is invoked at most once within the window. The answer is
 * kept on the item when it fits, and served again to duplicates.
 */
@ApplicationScoped
public class IdempotencyStore {

    static final String PREFIX = "idempotency#";
    static final String SORT_KEY = "idempotency";
    /** What may be kept of an answer: DynamoDB items hold 400 KB, with room left for the other attributes. */
    static final int MAX_STORED_BODY = 300 * 1024;

    private final DynamoDbAsyncClient dynamo;
    private final InferenceTable table;
    private final SagewatchConfig config;

    IdempotencyStore(DynamoDbAsyncClient dynamo, InferenceTable table, SagewatchConfig config) {
        this.dynamo = dynamo;
        this.table = table;
        this.config = config;
    }

    public enum State {
        /** Ours: call the model. */
        CLAIMED,
        /** Another request with this key is running. */
        IN_FLIGHT,
        /** Done before: here is its answer. */
        COMPLETED,
        /** Done before, but its answer was too large to keep. */
        COMPLETED_NOT_KEPT,
        /** The key was used with a different request. */
        MISMATCH
    }

    /** A stored answer: status, the headers that matter, the body. */
    public record StoredAnswer(int status, Map<String, String> headers, byte[] body) {
    }

    public record Claim(State state, String key, String requestSha256, String requestId, String inferenceId,
            StoredAnswer answer) {
    }

    /** Claims {@code idempotencyKey} for this request, or says why not (what an earlier request left). */
    public Uni<Claim> claim(String endpoint, String idempotencyKey, byte[] body, String requestId,
            String inferenceId) {
        // the client's key is stored hashed; the request is fingerprinted to catch a key reused for another request
        String key = PREFIX + endpoint + "#" + HexFormat.of().formatHex(
                digest(idempotencyKey.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        String requestSha256 = HexFormat.of().formatHex(digest(body));
        Instant now = Instant.now();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(InferenceTable.INFERENCE_ID, AttributeValue.fromS(key));
        item.put(InferenceTable.REQUEST_ID, AttributeValue.fromS(SORT_KEY));
        item.put("state", AttributeValue.fromS("IN_FLIGHT"));
        item.put("request_sha256", AttributeValue.fromS(requestSha256));
        item.put("owner_request_id", AttributeValue.fromS(requestId));
        item.put("owner_inference_id", AttributeValue.fromS(inferenceId));
        item.put(InferenceTable.EXPIRES_AT, AttributeValue.fromN(Long.toString(
                now.plus(config.idempotency().window()).getEpochSecond())));
        Claim claimed = new Claim(State.CLAIMED, key, requestSha256, requestId, inferenceId, null);
        // an item past its window counts as absent: TTL deletes expired items only within a day or two
        return Uni.createFrom().completionStage(() -> dynamo.putItem(b -> b.tableName(table.name()).item(item)
                .conditionExpression("attribute_not_exists(#id) OR #exp < :now")
                .expressionAttributeNames(Map.of("#id", InferenceTable.INFERENCE_ID, "#exp",
                        InferenceTable.EXPIRES_AT))
                .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond()))))))
                .replaceWith(claimed)
                .onFailure(IdempotencyStore::conditionFailed).recoverWithUni(() -> existing(key, requestSha256));
    }

    private Uni<Claim> existing(String key, String requestSha256) {
        return Uni.createFrom().completionStage(() -> dynamo.getItem(b -> b.tableName(table.name()).consistentRead(true)
                .key(Map.of(InferenceTable.INFERENCE_ID, AttributeValue.fromS(key),
                        InferenceTable.REQUEST_ID, AttributeValue.fromS(SORT_KEY)))))
                .map(response -> {
                    Map<String, AttributeValue> item = response.item();
                    String inferenceId = item.containsKey("owner_inference_id") ? item.get("owner_inference_id").s()
                            : null;
                    if (!item.containsKey("state")) {
                        // deleted between our write and this read: the caller may simply try again
                        return new Claim(State.IN_FLIGHT, key, requestSha256, null, null, null);
                    }
                    if (!requestSha256.equals(item.get("request_sha256").s())) {
                        return new Claim(State.MISMATCH, key, requestSha256, null, inferenceId, null);
                    }
                    return switch (item.get("state").s()) {
                        case "COMPLETED" -> item.containsKey("answer_body")
                                ? new Claim(State.COMPLETED, key, requestSha256, null, inferenceId, answer(item))
                                : new Claim(State.COMPLETED_NOT_KEPT, key, requestSha256, null, inferenceId, null);
                        default -> new Claim(State.IN_FLIGHT, key, requestSha256, null, inferenceId, null);
                    };
                });
    }

    /** Keeps the answer (when it fits) for duplicates of a claimed key. */
    public Uni<Void> complete(Claim claim, StoredAnswer answer) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":done", AttributeValue.fromS("COMPLETED"));
        values.put(":owner", AttributeValue.fromS(claim.requestId()));
        values.put(":status", AttributeValue.fromN(Integer.toString(answer.status())));
        Map<String, AttributeValue> headers = new HashMap<>();
        answer.headers().forEach((name, value) -> headers.put(name, AttributeValue.fromS(value)));
        values.put(":headers", AttributeValue.fromM(headers));
        String update = "SET #state = :done, answer_status = :status, answer_headers = :headers";
        if (answer.body().length <= MAX_STORED_BODY) {
            values.put(":body", AttributeValue.fromB(SdkBytes.fromByteArray(answer.body())));
            update += ", answer_body = :body";
        }
        String expression = update;
        return Uni.createFrom().completionStage(() -> dynamo.updateItem(b -> b.tableName(table.name())
                .key(Map.of(InferenceTable.INFERENCE_ID, AttributeValue.fromS(claim.key()),
                        InferenceTable.REQUEST_ID, AttributeValue.fromS(SORT_KEY)))
                .updateExpression(expression)
                .conditionExpression("owner_request_id = :owner")
                .expressionAttributeNames(Map.of("#state", "state"))
                .expressionAttributeValues(values)))
                .replaceWithVoid();
    }

    /** Gives the key back: the model was not called (throttled, refused), so the client may try again with it. */
    public Uni<Void> release(Claim claim) {
        return Uni.createFrom().completionStage(() -> dynamo.deleteItem(b -> b.tableName(table.name())
                .key(Map.of(InferenceTable.INFERENCE_ID, AttributeValue.fromS(claim.key()),
                        InferenceTable.REQUEST_ID, AttributeValue.fromS(SORT_KEY)))
                .conditionExpression("owner_request_id = :owner")
                .expressionAttributeValues(Map.of(":owner", AttributeValue.fromS(claim.requestId())))))
                .replaceWithVoid();
    }

    private static StoredAnswer answer(Map<String, AttributeValue> item) {
        Map<String, String> headers = new HashMap<>();
        if (item.containsKey("answer_headers")) {
            item.get("answer_headers").m().forEach((name, value) -> headers.put(name, value.s()));
        }
        return new StoredAnswer(Integer.parseInt(item.get("answer_status").n()), headers,
                item.get("answer_body").b().asByteArray());
    }

    private static boolean conditionFailed(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        return cause instanceof ConditionalCheckFailedException;
    }

    private static byte[] digest(byte[] body) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(body);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
