package io.sagewatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.sagewatch.dev.EmbeddedDynamoDb;
import io.sagewatch.testing.SageMakerFake;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The packaged jar (the ECS build) stopped with SIGTERM while under load: requests in flight finish with their answer,
 * and every answered inference has its final record in the table or a dead-letter line. Run by failsafe after
 * {@code package}.
 */
class GracefulShutdownIT {

    private static final int CLIENTS = 16;

    /** One answered request: its ids, and when it was sent (nanoTime). */
    private record Answer(long sentAt, int status, String inferenceId, String requestId) {
    }

    @Test
    void aStoppingGatewayFinishesWhatItAcceptedAndLosesNoRecord() throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertThat(jar).exists();
        try (EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(freePort()); SageMakerFake model = new SageMakerFake()) {
            int http = freePort();
            Path log = Files.createTempFile("sagewatch-shutdown", ".log");
            Process gateway = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dquarkus.http.port=" + http, "-Dquarkus.http.host=127.0.0.1",
                    "-Dquarkus.dynamodb.endpoint-override=http://127.0.0.1:" + dynamo.port(),
                    "-Dquarkus.dynamodb.aws.region=us-east-1", "-Dquarkus.dynamodb.aws.credentials.type=static",
                    "-Dquarkus.dynamodb.aws.credentials.static-provider.access-key-id=test",
                    "-Dquarkus.dynamodb.aws.credentials.static-provider.secret-access-key=test",
                    "-Dsagewatch.store.create-table=true",
                    "-Dsagewatch.sagemaker.endpoint-override=" + model.url(), "-Dsagewatch.sagemaker.region=us-east-1",
                    "-Dsagewatch.sagemaker.access-key-id=test", "-Dsagewatch.sagemaker.secret-access-key=test",
                    "-Dsagewatch.endpoints.allowed=slow",
                    "-jar", jar.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(2)).build();
                awaitFirstInference(client, http);

                // load: CLIENTS callers in a loop on "slow" (300 ms per answer), until the gateway is gone
                ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
                ConcurrentLinkedQueue<Long> brokenSentAt = new ConcurrentLinkedQueue<>();
                AtomicLong stopSentAt = new AtomicLong(System.nanoTime() + TimeUnit.HOURS.toNanos(1));
                ExecutorService callers = Executors.newFixedThreadPool(CLIENTS);
                for (int c = 0; c < CLIENTS; c++) {
                    callers.submit(() -> {
                        // bounded: 200 calls each, and 5 s past the stop
                        for (int i = 0; i < 200 && System.nanoTime() - stopSentAt.get() < 5_000_000_000L; i++) {
                            long sentAt = System.nanoTime();
                            try {
                                HttpResponse<String> response = client.send(invocation(http),
                                        HttpResponse.BodyHandlers.ofString());
                                answers.add(new Answer(sentAt, response.statusCode(),
                                        response.headers().firstValue("X-Sagewatch-Inference-Id").orElse(null),
                                        response.headers().firstValue("x-amzn-RequestId").orElse(null)));
                            } catch (IOException e) {
                                brokenSentAt.add(sentAt);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    });
                }
                Thread.sleep(2_000);
                long stoppedAt = System.nanoTime();
                stopSentAt.set(stoppedAt);
                gateway.destroy(); // SIGTERM
                assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).as("the gateway stops").isTrue();
                callers.shutdown();
                assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

                // sent well before SIGTERM (300 ms of model time, so in flight then): every one answered 200
                long inFlightBefore = stoppedAt - TimeUnit.MILLISECONDS.toNanos(200);
                assertThat(brokenSentAt).as("requests cut off although sent before the stop")
                        .noneMatch(sentAt -> sentAt < inFlightBefore);
                List<Answer> accepted = answers.stream().filter(a -> a.status() == 200).toList();
                assertThat(accepted.stream().filter(a -> a.sentAt() > inFlightBefore - 1_000_000_000L).count())
                        .as("answered in the last second before the stop").isGreaterThan(CLIENTS / 2);
                assertThat(answers).filteredOn(a -> a.sentAt() < inFlightBefore)
                        .allMatch(a -> a.status() == 200);

                // and each answered inference has its final record, or a dead-letter line
                String output = Files.readString(log);
                List<String> missing = new ArrayList<>();
                try (DynamoDbAsyncClient table = DynamoDbAsyncClient.builder()
                        .endpointOverride(URI.create("http://127.0.0.1:" + dynamo.port())).region(Region.US_EAST_1)
                        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test",
                                "test")))
                        .build()) {
                    for (Answer answer : accepted) {
                        var item = table.getItem(b -> b.tableName("sagewatch-inferences").consistentRead(true)
                                .key(Map.of("inference_id", AttributeValue.fromS(answer.inferenceId()),
                                        "request_id", AttributeValue.fromS(answer.requestId()))))
                                .get(10, TimeUnit.SECONDS).item();
                        boolean stored = item != null && item.containsKey("status")
                                && "SUCCEEDED".equals(item.get("status").s());
                        boolean deadLettered = output.lines()
                                .anyMatch(l -> l.contains("dead_letter") && l.contains(answer.inferenceId()));
                        if (!stored && !deadLettered) {
                            missing.add(answer.inferenceId());
                        }
                    }
                }
                System.out.printf("graceful shutdown: %d answered (200), %d refused, %d cut off after the stop, "
                        + "0 of them lost%n", accepted.size(), answers.size() - accepted.size(), brokenSentAt.size());
                assertThat(missing).as("answered inferences with no record anywhere").isEmpty();
                assertThat(accepted).hasSizeGreaterThan(CLIENTS * 3);
            } finally {
                gateway.destroyForcibly();
            }
        }
    }

    private static HttpRequest invocation(int port) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/endpoints/slow/invocations"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("in flight")).build();
    }

    private static void awaitFirstInference(HttpClient client, int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (client.send(invocation(port), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the gateway served no inference within 60 s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
