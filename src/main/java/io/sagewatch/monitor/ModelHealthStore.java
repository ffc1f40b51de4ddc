package io.sagewatch.monitor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.Futures;
import io.sagewatch.table.InferenceTable;
import io.sagewatch.table.TableClient;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Model health's items, in the inference table (no new table or permission): each replica's window states, the claim
 * to evaluate a window, the windows' reports, and the baselines, versioned. Keys never collide with records': the
 * sort keys used here are never request ids. Large values are gzipped and split across items (DynamoDB's 400 KB).
 *
 * <pre>
 *   inference_id                   request_id            what
 *   monitor#ENDPOINT#WINDOWSTART   replica#ID#PART       one replica's cumulative state of a window
 *   monitor#ENDPOINT#WINDOWSTART   evaluation            the claim to evaluate it (owner, lease, done)
 *   monitor-report#ENDPOINT        WINDOWSTART#PART      the evaluated window: statistics, violations, summary
 *   monitor-baseline#ENDPOINT      v00000001             a baseline version's marker (claimed, committed)
 *   monitor-baseline#ENDPOINT      v00000001#PART        a baseline version
 *   monitor-baseline#ENDPOINT      learning#PART         a baseline being learned from live traffic
 * </pre>
 */
@ApplicationScoped
public class ModelHealthStore {

    private static final int PART_BYTES = 350 * 1024;
    private static final String DATA = "data";
    private static final String PARTS = "parts";
    private static final String TOKEN = "token";
    private static final String PART = "#";
    private static final String SUMMARY = "summary#";
    private static final String COMMITTED = "committed";
    /** A value whose parts do not (yet) make one write: a reader skips it, or waits for it. */
    static final byte[] INCOMPLETE = new byte[0];

    private final TableClient table;
    private final String tableName;
    private final Duration retention;

    ModelHealthStore(TableClient table, InferenceTable inferences, SagewatchConfig config) {
        this.table = table;
        this.tableName = inferences.name();
        this.retention = config.monitor().retention();
    }

    static String windowKey(String endpoint, Instant windowStart) {
        return "monitor#" + endpoint + "#" + windowStart;
    }

    static String reportKey(String endpoint) {
        return "monitor-report#" + endpoint;
    }

    static String baselineKey(String endpoint) {
        return "monitor-baseline#" + endpoint;
    }

    static String version(int version) {
        return String.format("v%08d", version);
    }

    // ---- window states ----------------------------------------------------------------------------------------------

    /** Replaces this replica's state of the window (cumulative: a retried write cannot count anything twice). */
    public CompletionStage<Void> putWindowState(String endpoint, Instant windowStart, String replica, byte[] state) {
        return putChunked(windowKey(endpoint, windowStart), "replica#" + replica, state, Map.of());
    }

    /**
     * Every replica's state of the window; fails while one of them is being written (its parts do not match yet), so
     * that the evaluation is tried again rather than made without it.
     */
    public CompletionStage<List<byte[]>> windowStates(String endpoint, Instant windowStart) {
        return readChunked(windowKey(endpoint, windowStart), "replica#").thenApply(values -> {
            if (values.containsValue(INCOMPLETE)) {
                throw new IllegalStateException("a replica's state of the window is being written");
            }
            return new ArrayList<>(values.values());
        });
    }

    /** How a claim on a window's evaluation went. */
    public enum Claim {
        /** This replica evaluates the window. */
        WON,
        /** Another replica holds it, within its lease: ask again after the lease. */
        HELD,
        /** Evaluated already. */
        DONE
    }

    /**
     * Claims the evaluation of a window: won by exactly one caller, unless its lease ran out before it was done (then
     * another may take it over).
     */
    public CompletionStage<Claim> claimEvaluation(
            String endpoint, Instant windowStart, String replica, Duration lease) {
        long now = Instant.now().toEpochMilli();
        Map<String, AttributeValue> item = key(windowKey(endpoint, windowStart), "evaluation");
        item.put("owner", s(replica));
        item.put("lease_until", n(now + lease.toMillis()));
        item.put("done", AttributeValue.fromBool(false));
        item.put(InferenceTable.EXPIRES_AT, n(expiry()));
        return table.call(dynamo -> dynamo.putItem(b -> b.tableName(tableName)
                        .item(item)
                        // the owner may claim again (a retry after a failed write); anyone once the owner's lease ran
                        // out
                        .conditionExpression(
                                "attribute_not_exists(#pk) OR (#done = :false AND (#owner = :me OR #lease < :now))")
                        .expressionAttributeNames(Map.of(
                                "#pk",
                                InferenceTable.INFERENCE_ID,
                                "#done",
                                "done",
                                "#lease",
                                "lease_until",
                                "#owner",
                                "owner"))
                        .expressionAttributeValues(
                                Map.of(":false", AttributeValue.fromBool(false), ":now", n(now), ":me", s(replica)))))
                .thenApply(done -> Claim.WON)
                .exceptionallyCompose(failure -> {
                    if (!(Futures.unwrap(failure) instanceof ConditionalCheckFailedException)) {
                        return CompletableFuture.failedFuture(Futures.unwrap(failure));
                    }
                    return table.call(dynamo -> dynamo.getItem(b -> b.tableName(tableName)
                                    .consistentRead(true)
                                    .key(key(windowKey(endpoint, windowStart), "evaluation"))))
                            .thenApply(found -> found.hasItem()
                                            && found.item().containsKey("done")
                                            && Boolean.TRUE.equals(
                                                    found.item().get("done").bool())
                                    ? Claim.DONE
                                    : Claim.HELD);
                });
    }

    public CompletionStage<Void> evaluationDone(String endpoint, Instant windowStart, String replica) {
        return table.call(dynamo -> dynamo.updateItem(b -> b.tableName(tableName)
                        .key(key(windowKey(endpoint, windowStart), "evaluation"))
                        .updateExpression("SET #done = :true")
                        .conditionExpression("#owner = :me")
                        .expressionAttributeNames(Map.of("#done", "done", "#owner", "owner"))
                        .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true), ":me", s(replica)))))
                .thenApply(done -> null);
    }

    // ---- reports ----------------------------------------------------------------------------------------------------

    /**
     * An evaluated window's report (a JSON document) under its start, and its summary (small, listed without reading
     * the reports).
     */
    public CompletionStage<Void> putReport(String endpoint, Instant windowStart, byte[] report, byte[] summary) {
        Map<String, AttributeValue> item = key(reportKey(endpoint), SUMMARY + windowStart);
        item.put(DATA, AttributeValue.fromB(SdkBytes.fromByteArray(summary)));
        item.put(InferenceTable.EXPIRES_AT, n(expiry()));
        return putChunked(reportKey(endpoint), windowStart.toString(), report, Map.of())
                .thenCompose(done -> table.call(
                        dynamo -> dynamo.putItem(b -> b.tableName(tableName).item(item))))
                .thenApply(response -> null);
    }

    /** Report summaries, newest first, at most {@code limit}. */
    public CompletionStage<List<byte[]>> reportSummaries(String endpoint, int limit) {
        QueryRequest query = QueryRequest.builder()
                .tableName(tableName)
                .consistentRead(true)
                .scanIndexForward(false)
                .limit(limit)
                .keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expressionAttributeNames(Map.of("#pk", InferenceTable.INFERENCE_ID, "#sk", InferenceTable.REQUEST_ID))
                .expressionAttributeValues(Map.of(":pk", s(reportKey(endpoint)), ":prefix", s(SUMMARY)))
                .build();
        return table.call(dynamo -> dynamo.query(query))
                .thenApply(page -> page.items().stream()
                        .map(item -> item.get(DATA).b().asByteArray())
                        .toList());
    }

    /** One window's report, or null. */
    public CompletionStage<byte[]> report(String endpoint, Instant windowStart) {
        return readChunked(reportKey(endpoint), windowStart.toString())
                .thenApply(values -> complete(values.get(windowStart.toString())));
    }

    // ---- baselines --------------------------------------------------------------------------------------------------

    /**
     * Stores a baseline as the given version: claims the version first (a marker item, written once), then writes its
     * parts, then marks it committed. False when the version was claimed already (another replica stores one: take
     * the next). Readers only see committed versions, so a writer that died half-way hides nothing.
     */
    public CompletionStage<Boolean> putBaseline(String endpoint, int version, byte[] baseline) {
        Map<String, AttributeValue> marker = key(baselineKey(endpoint), version(version));
        marker.put(COMMITTED, AttributeValue.fromBool(false));
        return table.call(dynamo -> dynamo.putItem(b -> b.tableName(tableName)
                        .item(marker)
                        .conditionExpression("attribute_not_exists(#pk)")
                        .expressionAttributeNames(Map.of("#pk", InferenceTable.INFERENCE_ID))))
                .thenApply(claimed -> true)
                .exceptionally(failure -> {
                    if (Futures.unwrap(failure) instanceof ConditionalCheckFailedException) {
                        return false;
                    }
                    throw new java.util.concurrent.CompletionException(Futures.unwrap(failure));
                })
                .thenCompose(claimed -> !claimed
                        ? CompletableFuture.completedFuture(false)
                        : putChunked(baselineKey(endpoint), version(version), baseline, Map.of())
                                .thenCompose(written -> table.call(dynamo -> dynamo.updateItem(b -> b.tableName(
                                                tableName)
                                        .key(key(baselineKey(endpoint), version(version)))
                                        .updateExpression("SET #c = :true")
                                        .expressionAttributeNames(Map.of("#c", COMMITTED))
                                        .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true))))))
                                .thenApply(committed -> true));
    }

    /** The highest version claimed by any writer, and the highest committed (readable) one; 0 when none. */
    public record Versions(int claimed, int committed) {}

    public CompletionStage<Versions> baselineVersions(String endpoint) {
        return queryAll(baselineKey(endpoint), "v", null, new ArrayList<>()).thenApply(items -> {
            int claimed = 0;
            int committed = 0;
            for (Map<String, AttributeValue> item : items) {
                String sortKey = item.get(InferenceTable.REQUEST_ID).s();
                if (sortKey.indexOf('#') >= 0) {
                    continue; // a part, not a version's marker
                }
                int version = Integer.parseInt(sortKey.substring(1));
                claimed = Math.max(claimed, version);
                if (item.containsKey(COMMITTED)
                        && Boolean.TRUE.equals(item.get(COMMITTED).bool())) {
                    committed = Math.max(committed, version);
                }
            }
            return new Versions(claimed, committed);
        });
    }

    /** One baseline version, or null. */
    public CompletionStage<byte[]> baseline(String endpoint, int version) {
        return readChunked(baselineKey(endpoint), version(version) + PART)
                .thenApply(values -> complete(values.get(version(version))));
    }

    public CompletionStage<Void> putLearning(String endpoint, byte[] state) {
        return putChunked(baselineKey(endpoint), "learning", state, Map.of());
    }

    public CompletionStage<byte[]> learning(String endpoint) {
        return readChunked(baselineKey(endpoint), "learning").thenApply(values -> complete(values.get("learning")));
    }

    // ---- other capabilities' values ---------------------------------------------------------------------------------

    /** A value of any size under a key of the caller's (its partition key must not be a request id). */
    public CompletionStage<Void> putValue(String partitionKey, String sortKey, byte[] value) {
        return putChunked(partitionKey, sortKey, value, Map.of());
    }

    /** A value stored with {@link #putValue}, or null (also while it is being written). */
    public CompletionStage<byte[]> value(String partitionKey, String sortKey) {
        return readChunked(partitionKey, sortKey + PART).thenApply(values -> complete(values.get(sortKey)));
    }

    // ---- chunked values ---------------------------------------------------------------------------------------------

    /**
     * Writes a value under {@code sortKey#0}, {@code sortKey#1}, ...: the later parts first, the first part last with
     * their count and a token that every part of this write carries, so a reader never mixes two writes.
     */
    private CompletionStage<Void> putChunked(
            String partitionKey, String sortKey, byte[] value, Map<String, AttributeValue> extra) {
        byte[] packed = gzip(value);
        int parts = Math.max(1, (packed.length + PART_BYTES - 1) / PART_BYTES);
        String token = UUID.randomUUID().toString();
        CompletionStage<Void> later = CompletableFuture.completedFuture(null);
        for (int i = 1; i < parts; i++) {
            Map<String, AttributeValue> item = part(partitionKey, sortKey, i, packed, token);
            later = later.thenCompose(done -> table.call(
                            dynamo -> dynamo.putItem(b -> b.tableName(tableName).item(item)))
                    .thenApply(response -> null));
        }
        Map<String, AttributeValue> first = part(partitionKey, sortKey, 0, packed, token);
        first.put(PARTS, n(parts));
        first.putAll(extra);
        return later.thenCompose(done -> table.call(
                        dynamo -> dynamo.putItem(b -> b.tableName(tableName).item(first))))
                .thenApply(response -> null);
    }

    private Map<String, AttributeValue> part(
            String partitionKey, String sortKey, int index, byte[] packed, String token) {
        int from = index * PART_BYTES;
        int to = Math.min(packed.length, from + PART_BYTES);
        Map<String, AttributeValue> item = key(partitionKey, sortKey + PART + String.format("%03d", index));
        item.put(DATA, AttributeValue.fromB(SdkBytes.fromByteArray(java.util.Arrays.copyOfRange(packed, from, to))));
        item.put(TOKEN, s(token));
        if (!partitionKey.startsWith("monitor-baseline#") || !sortKey.startsWith("v")) {
            item.put(InferenceTable.EXPIRES_AT, n(expiry()));
        }
        return item;
    }

    /** Every value whose sort key starts with the prefix, by sort key (without the part suffix). */
    private CompletionStage<Map<String, byte[]>> readChunked(String partitionKey, String sortKeyPrefix) {
        return queryAll(partitionKey, sortKeyPrefix, null, new ArrayList<>()).thenApply(items -> {
            Map<String, List<Map<String, AttributeValue>>> byValue = new java.util.TreeMap<>();
            for (Map<String, AttributeValue> item : items) {
                String sortKey = item.get(InferenceTable.REQUEST_ID).s();
                int cut = sortKey.lastIndexOf(PART);
                if (cut < 0 || !item.containsKey(DATA) || !item.containsKey(TOKEN)) {
                    continue;
                }
                byValue.computeIfAbsent(sortKey.substring(0, cut), k -> new ArrayList<>())
                        .add(item);
            }
            Map<String, byte[]> values = new java.util.LinkedHashMap<>();
            byValue.forEach((name, parts) -> {
                byte[] value = assemble(parts);
                values.put(name, value != null ? value : INCOMPLETE);
            });
            return values;
        });
    }

    /** The parts of the write the first part belongs to, or null while a write is under way. */
    private static byte[] assemble(List<Map<String, AttributeValue>> parts) {
        parts.sort(java.util.Comparator.comparing(
                item -> item.get(InferenceTable.REQUEST_ID).s()));
        Map<String, AttributeValue> first = parts.get(0);
        if (!first.get(InferenceTable.REQUEST_ID).s().endsWith(PART + "000") || !first.containsKey(PARTS)) {
            return null;
        }
        int count = Integer.parseInt(first.get(PARTS).n());
        String token = first.get(TOKEN).s();
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        int found = 0;
        for (Map<String, AttributeValue> part : parts) {
            if (found < count && part.get(TOKEN).s().equals(token)) {
                packed.writeBytes(part.get(DATA).b().asByteArray());
                found++;
            }
        }
        return found == count ? gunzip(packed.toByteArray()) : null;
    }

    private CompletionStage<List<Map<String, AttributeValue>>> queryAll(
            String partitionKey,
            String prefix,
            Map<String, AttributeValue> start,
            List<Map<String, AttributeValue>> into) {
        QueryRequest.Builder query = QueryRequest.builder()
                .tableName(tableName)
                .consistentRead(true)
                .expressionAttributeNames(Map.of("#pk", InferenceTable.INFERENCE_ID, "#sk", InferenceTable.REQUEST_ID));
        if (prefix.isEmpty()) {
            query.keyConditionExpression("#pk = :pk").expressionAttributeValues(Map.of(":pk", s(partitionKey)));
        } else {
            query.keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expressionAttributeValues(Map.of(":pk", s(partitionKey), ":prefix", s(prefix)));
        }
        if (start != null) {
            query.exclusiveStartKey(start);
        }
        QueryRequest request = query.build();
        return table.call(dynamo -> dynamo.query(request)).thenCompose((QueryResponse page) -> {
            into.addAll(page.items());
            if (page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()) {
                return queryAll(partitionKey, prefix, page.lastEvaluatedKey(), into);
            }
            return CompletableFuture.completedFuture(into);
        });
    }

    private static byte[] complete(byte[] value) {
        return value == INCOMPLETE ? null : value;
    }

    private long expiry() {
        return Instant.now().plus(retention).getEpochSecond();
    }

    private static Map<String, AttributeValue> key(String partitionKey, String sortKey) {
        Map<String, AttributeValue> key = new HashMap<>();
        key.put(InferenceTable.INFERENCE_ID, s(partitionKey));
        key.put(InferenceTable.REQUEST_ID, s(sortKey));
        return key;
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static byte[] gzip(byte[] value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length / 2 + 64);
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] gunzip(byte[] packed) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(packed))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
