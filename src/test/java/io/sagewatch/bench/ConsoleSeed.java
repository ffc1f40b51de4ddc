package io.sagewatch.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.rollups.Rollup;
import io.sagewatch.rollups.RollupLevel;
import io.sagewatch.testing.TestRequests;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Writes a week of rollups into the record table, as replicas of the gateway would have: for each endpoint and
 * replica, an hour item per hour of the last week, a minute item per minute of the last hour, a day item per day, and
 * the gateway-wide ("*") ones; each span holds a few hundred inferences of varied latency (so that its sketches are as
 * large as real ones). Usage: ConsoleSeed DYNAMO_PORT ENDPOINTS REPLICAS. Prints the endpoints' names.
 */
public final class ConsoleSeed {

    private ConsoleSeed() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int endpoints = Integer.parseInt(args[1]);
        int replicas = Integer.parseInt(args[2]);
        Random random = new Random(3);
        Instant now = Instant.now();
        List<WriteRequest> writes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int e = 0; e < endpoints; e++) {
            names.add("endpoint-" + e);
        }
        List<String> partitions = new ArrayList<>(names);
        partitions.add("*");
        for (String endpoint : partitions) {
            for (int r = 0; r < replicas; r++) {
                String replica = "replica-" + r;
                spans(writes, RollupLevel.MINUTE, endpoint, replica, now, 60, random);
                spans(writes, RollupLevel.HOUR, endpoint, replica, now, 24 * 7, random);
                spans(writes, RollupLevel.DAY, endpoint, replica, now, 8, random);
            }
        }
        for (String name : names) {
            writes.add(put(Map.of(
                    "inference_id", AttributeValue.fromS("rollup-endpoints"),
                    "request_id", AttributeValue.fromS(name))));
        }
        try (DynamoDbAsyncClient dynamo = DynamoDbAsyncClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                .httpClientBuilder(NettyNioAsyncHttpClient.builder())
                .build()) {
            List<CompletableFuture<?>> batches = new ArrayList<>();
            for (int from = 0; from < writes.size(); from += 25) {
                List<WriteRequest> batch = writes.subList(from, Math.min(writes.size(), from + 25));
                batches.add(dynamo.batchWriteItem(b -> b.requestItems(Map.of("sagewatch-inferences", batch))));
                if (batches.size() == 16) {
                    CompletableFuture.allOf(batches.toArray(CompletableFuture[]::new))
                            .join();
                    batches.clear();
                }
            }
            CompletableFuture.allOf(batches.toArray(CompletableFuture[]::new)).join();
        }
        System.err.println(writes.size() + " items written");
        System.out.println(String.join(",", names));
    }

    private static void spans(
            List<WriteRequest> writes,
            RollupLevel level,
            String endpoint,
            String replica,
            Instant now,
            int count,
            Random random) {
        Instant start = level.start(now);
        for (int i = 0; i < count; i++) {
            Instant span = start.minus(level.length().multipliedBy(i));
            Rollup rollup = new Rollup();
            int inferences = 200 + random.nextInt(200);
            for (int n = 0; n < inferences; n++) {
                rollup.add(outcome(endpoint, random));
            }
            writes.add(put(Map.of(
                    "inference_id",
                    AttributeValue.fromS("rollup#" + level.name().toLowerCase(java.util.Locale.ROOT) + "#" + endpoint),
                    "request_id",
                    AttributeValue.fromS(level.key(span) + "#" + replica),
                    "data",
                    AttributeValue.fromB(SdkBytes.fromByteArray(rollup.toBytes())),
                    "expires_at",
                    AttributeValue.fromN(Long.toString(now.getEpochSecond() + 40L * 86_400)))));
        }
    }

    private static WriteRequest put(Map<String, AttributeValue> item) {
        return WriteRequest.builder()
                .putRequest(PutRequest.builder().item(item).build())
                .build();
    }

    private static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);

    private static InferenceOutcome outcome(String endpoint, Random random) {
        InferenceRequest request = TestRequests.of("r", "i", endpoint, BODY, "application/json", 0);
        long model = (long) (Math.exp(random.nextGaussian() * 0.8 + 3) * 1e6);
        long total = model + (long) (Math.exp(random.nextGaussian() * 0.5 - 1) * 1e6);
        InferenceError error =
                random.nextInt(100) == 0 ? InferenceError.of(io.sagewatch.core.ErrorType.MODEL_ERROR, "bench") : null;
        return new InferenceOutcome(
                request,
                new ModelCall(
                        error == null
                                ? new ModelResponse(BODY, "application/json", "AllTraffic", null, null, null)
                                : null,
                        error,
                        model,
                        1),
                error,
                Instant.now(),
                total,
                new TokenUsage(100L + random.nextInt(50), 20L + random.nextInt(20)),
                0.0002,
                null,
                null);
    }
}
