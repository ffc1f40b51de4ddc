package io.sagewatch.idempotency;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.Futures;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.table.InferenceTable;
import io.sagewatch.table.TableClient;
import io.smallrye.mutiny.Uni;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Idempotency keys, in the record table (one item per endpoint and key, outside the endpoint index): a conditional
 * write claims the key before the model is called, so a key is invoked at most once within the window. The outcome is
 * kept on the item in the gateway's own terms (not a front's wire format) when it fits, and replayed to duplicates.
 * A claim is in flight for a bounded time only: a gateway that dies mid-request does not block its key for the window.
 */
@ApplicationScoped
public class IdempotencyStore {

    static final String PREFIX = "idempotency#";
    /** The sort key of a claim: the partition key alone names it. */
    static final String SORT_KEY = "idempotency";
    /** What may be kept of an answer: DynamoDB items hold 400 KB, with room left for the other attributes. */
    static final int MAX_STORED_BODY = InferenceOutcome.MAX_REPLAYED_BYTES;
    /** Epoch milliseconds after which an in-flight claim may be taken over. */
    static final String IN_FLIGHT_UNTIL = "in_flight_until";

    private final TableClient tables;
    private final InferenceTable table;
    private final SagewatchConfig config;

    IdempotencyStore(TableClient tables, InferenceTable table, SagewatchConfig config) {
        this.tables = tables;
        this.table = table;
        this.config = config;
    }

    public enum State {
        /** Ours: call the model. */
        CLAIMED,
        /** Another request with this key is running. */
        IN_FLIGHT,
        /** Done before: here is its outcome. */
        COMPLETED,
        /** Done before, but its answer was too large to keep. */
        COMPLETED_NOT_KEPT,
        /** The key was used with a different request. */
        MISMATCH
    }

    /** A kept outcome: exactly one of response and error is set. */
    public record KeptOutcome(ModelResponse response, InferenceError error) {}

    /**
     * @param inferenceId the claiming request's inference id (for an earlier claim: the earlier request's, if known)
     * @param kept the earlier request's outcome (COMPLETED only)
     */
    public record Claim(
            State state, String key, String requestSha256, String requestId, String inferenceId, KeptOutcome kept) {}

    /**
     * Claims {@code idempotencyKey} for this request, or says why not (what an earlier request left). The claim is
     * in flight for {@code inFlightFor} at most: a claim left by a gateway that died mid-request (SIGKILL, OOM) can be
     * taken over after that, instead of blocking the key for its whole window.
     */
    public Uni<Claim> claim(
            String endpoint,
            String idempotencyKey,
            byte[] body,
            String requestId,
            String inferenceId,
            Duration inFlightFor) {
        // the client's key is stored hashed; the request is fingerprinted to catch a key reused for another request
        String key = PREFIX + endpoint + "#" + sha256(idempotencyKey.getBytes(StandardCharsets.UTF_8));
        String requestSha256 = sha256(body);
        Instant now = Instant.now();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(InferenceTable.INFERENCE_ID, AttributeValue.fromS(key));
        item.put(InferenceTable.REQUEST_ID, AttributeValue.fromS(SORT_KEY));
        item.put("state", AttributeValue.fromS("IN_FLIGHT"));
        item.put("request_sha256", AttributeValue.fromS(requestSha256));
        item.put("owner_request_id", AttributeValue.fromS(requestId));
        item.put("owner_inference_id", AttributeValue.fromS(inferenceId));
        item.put(
                InferenceTable.EXPIRES_AT,
                AttributeValue.fromN(
                        Long.toString(now.plus(config.idempotency().window()).getEpochSecond())));
        item.put(
                IN_FLIGHT_UNTIL,
                AttributeValue.fromN(Long.toString(now.plus(inFlightFor).toEpochMilli())));
        Claim claimed = new Claim(State.CLAIMED, key, requestSha256, requestId, inferenceId, null);
        // an item past its window counts as absent (TTL deletes expired items only within a day or two), and so does
        // an in-flight claim past its in-flight expiry (its owner is gone)
        return Uni.createFrom()
                .completionStage(() -> tables.call(dynamo -> dynamo.putItem(b -> b.tableName(table.name())
                        .item(item)
                        .conditionExpression("attribute_not_exists(#id) OR #exp < :now"
                                + " OR (#state = :inflight AND #until < :nowMillis)")
                        .expressionAttributeNames(Map.of(
                                "#id",
                                InferenceTable.INFERENCE_ID,
                                "#exp",
                                InferenceTable.EXPIRES_AT,
                                "#state",
                                "state",
                                "#until",
                                IN_FLIGHT_UNTIL))
                        .expressionAttributeValues(Map.of(
                                ":now", AttributeValue.fromN(Long.toString(now.getEpochSecond())),
                                ":nowMillis", AttributeValue.fromN(Long.toString(now.toEpochMilli())),
                                ":inflight", AttributeValue.fromS("IN_FLIGHT"))))))
                .replaceWith(claimed)
                .onFailure(IdempotencyStore::conditionFailed)
                .recoverWithUni(() -> existing(key, requestSha256));
    }

    private Uni<Claim> existing(String key, String requestSha256) {
        return Uni.createFrom()
                .completionStage(() -> tables.call(dynamo -> dynamo.getItem(
                        b -> b.tableName(table.name()).consistentRead(true).key(key(key)))))
                .map(response -> {
                    Map<String, AttributeValue> item = response.item();
                    String inferenceId = item.containsKey("owner_inference_id")
                            ? item.get("owner_inference_id").s()
                            : null;
                    if (!item.containsKey("state")) {
                        // deleted between our write and this read: the caller may simply try again
                        return new Claim(State.IN_FLIGHT, key, requestSha256, null, null, null);
                    }
                    if (!requestSha256.equals(item.get("request_sha256").s())) {
                        return new Claim(State.MISMATCH, key, requestSha256, null, inferenceId, null);
                    }
                    return switch (item.get("state").s()) {
                        case "COMPLETED" ->
                            item.containsKey("outcome")
                                    ? new Claim(
                                            State.COMPLETED,
                                            key,
                                            requestSha256,
                                            null,
                                            inferenceId,
                                            OutcomeAttributes.read(
                                                    item.get("outcome").m()))
                                    : new Claim(State.COMPLETED_NOT_KEPT, key, requestSha256, null, inferenceId, null);
                        default -> new Claim(State.IN_FLIGHT, key, requestSha256, null, inferenceId, null);
                    };
                });
    }

    /** Keeps the outcome (when its body fits) for duplicates of a claimed key. */
    public Uni<Void> complete(Claim claim, InferenceOutcome outcome) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":done", AttributeValue.fromS("COMPLETED"));
        values.put(":owner", AttributeValue.fromS(claim.requestId()));
        String update = "SET #state = :done";
        Map<String, AttributeValue> kept = OutcomeAttributes.write(outcome, MAX_STORED_BODY);
        if (kept != null) {
            values.put(":outcome", AttributeValue.fromM(kept));
            update += ", outcome = :outcome";
        }
        String expression = update;
        return Uni.createFrom()
                .completionStage(() -> tables.call(dynamo -> dynamo.updateItem(b -> b.tableName(table.name())
                        .key(key(claim.key()))
                        .updateExpression(expression)
                        .conditionExpression("owner_request_id = :owner")
                        .expressionAttributeNames(Map.of("#state", "state"))
                        .expressionAttributeValues(values))))
                .replaceWithVoid();
    }

    /** Gives the key back: the model was not called (throttled, refused), so the client may try again with it. */
    public Uni<Void> release(Claim claim) {
        return Uni.createFrom()
                .completionStage(() -> tables.call(dynamo -> dynamo.deleteItem(b -> b.tableName(table.name())
                        .key(key(claim.key()))
                        .conditionExpression("owner_request_id = :owner")
                        .expressionAttributeValues(Map.of(":owner", AttributeValue.fromS(claim.requestId()))))))
                .replaceWithVoid();
    }

    private static Map<String, AttributeValue> key(String key) {
        return Map.of(
                InferenceTable.INFERENCE_ID,
                AttributeValue.fromS(key),
                InferenceTable.REQUEST_ID,
                AttributeValue.fromS(SORT_KEY));
    }

    private static boolean conditionFailed(Throwable failure) {
        return Futures.unwrap(failure) instanceof ConditionalCheckFailedException;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An outcome as kept on the idempotency item: the gateway's own fields, so that any front can answer it again. */
    static final class OutcomeAttributes {

        private OutcomeAttributes() {}

        /** Null when the body does not fit. */
        static Map<String, AttributeValue> write(InferenceOutcome outcome, int maxBody) {
            Map<String, AttributeValue> m = new HashMap<>();
            byte[] body;
            if (outcome.succeeded() && outcome.streamed() && outcome.stream().truncated()) {
                return null; // a stream longer than what was reassembled of it: nothing whole to replay
            }
            if (outcome.succeeded()) {
                ModelResponse r = outcome.response();
                body = r.body();
                putS(m, "content_type", r.contentType());
                putS(m, "variant", r.invokedProductionVariant());
                putS(m, "custom_attributes", r.customAttributes());
                putS(m, "new_session_id", r.newSessionId());
                putS(m, "closed_session_id", r.closedSessionId());
            } else {
                InferenceError e = outcome.error();
                body = e.rawBody();
                putS(m, "error_origin", e.origin().name());
                putS(m, "error_code", e.code());
                m.put("error_status", AttributeValue.fromN(Integer.toString(e.status())));
                putS(m, "error_message", e.getMessage());
                if (e.originalStatusCode() != null) {
                    m.put(
                            "original_status_code",
                            AttributeValue.fromN(e.originalStatusCode().toString()));
                }
                putS(m, "original_message", e.originalMessage());
                putS(m, "log_stream_arn", e.logStreamArn());
            }
            if (body != null) {
                if (body.length > maxBody) {
                    return null;
                }
                m.put("body", AttributeValue.fromB(SdkBytes.fromByteArray(body)));
            }
            return m;
        }

        static KeptOutcome read(Map<String, AttributeValue> m) {
            byte[] body = m.containsKey("body") ? m.get("body").b().asByteArray() : null;
            if (!m.containsKey("error_code")) {
                return new KeptOutcome(
                        new ModelResponse(
                                body == null ? new byte[0] : body,
                                s(m, "content_type"),
                                s(m, "variant"),
                                s(m, "custom_attributes"),
                                s(m, "new_session_id"),
                                s(m, "closed_session_id")),
                        null);
            }
            Integer original = m.containsKey("original_status_code")
                    ? Integer.valueOf(m.get("original_status_code").n())
                    : null;
            return new KeptOutcome(
                    null,
                    InferenceError.restored(
                            InferenceError.Origin.valueOf(s(m, "error_origin")),
                            s(m, "error_code"),
                            Integer.parseInt(m.get("error_status").n()),
                            s(m, "error_message"),
                            original,
                            s(m, "original_message"),
                            s(m, "log_stream_arn"),
                            body));
        }

        private static void putS(Map<String, AttributeValue> m, String name, String value) {
            if (value != null) {
                m.put(name, AttributeValue.fromS(value));
            }
        }

        private static String s(Map<String, AttributeValue> m, String name) {
            AttributeValue v = m.get(name);
            return v == null ? null : v.s();
        }
    }
}
