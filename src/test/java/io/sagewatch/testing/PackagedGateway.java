package io.sagewatch.testing;

import java.io.IOException;
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

import io.sagewatch.dev.EmbeddedDynamoDb;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The packaged gateway (the ECS build: the jar, the native executable, or either as its container image) as a process,
 * for the tests that stop it: started against DynamoDB Local and the SageMaker fake, loaded by callers in a loop, and
 * the table read back afterwards.
 */
public final class PackagedGateway implements AutoCloseable {

    /** One answered request: when it was sent (nanoTime), its status and ids. */
    public record Answer(long sentAt, int status, String inferenceId, String requestId) {}

    private final EmbeddedDynamoDb dynamo;
    private final int port;
    private final Path log;
    private final Process process;
    /** The container's name, when the gateway runs as one. */
    private final String container;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> brokenSentAt = new ConcurrentLinkedQueue<>();
    private final AtomicLong stopSentAt = new AtomicLong(Long.MAX_VALUE);
    private ExecutorService callers;

    public PackagedGateway(EmbeddedDynamoDb dynamo, SageMakerFake model, String endpoint) throws IOException {
        this(dynamo, "http://127.0.0.1:" + dynamo.port(), model, endpoint);
    }

    /** With the gateway's table traffic through {@code tableUrl} (a {@link TableGate}, say); read back directly. */
    public PackagedGateway(EmbeddedDynamoDb dynamo, String tableUrl, SageMakerFake model, String endpoint)
            throws IOException {
        this(dynamo, tableUrl, model, endpoint, List.of());
    }

    /** With more settings ({@code -Dkey=value}) after the usual ones. */
    public PackagedGateway(
            EmbeddedDynamoDb dynamo, String tableUrl, SageMakerFake model, String endpoint, List<String> more)
            throws IOException {
        this.dynamo = dynamo;
        this.port = FreePort.next();
        this.log = Files.createTempFile("sagewatch-gateway", ".log");
        List<String> settings = new ArrayList<>(List.of(
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.dynamodb.endpoint-override=" + tableUrl,
                "-Dquarkus.dynamodb.aws.region=us-east-1",
                "-Dquarkus.dynamodb.aws.credentials.type=static",
                "-Dquarkus.dynamodb.aws.credentials.static-provider.access-key-id=test",
                "-Dquarkus.dynamodb.aws.credentials.static-provider.secret-access-key=test",
                "-Dsagewatch.store.create-table=true",
                "-Dsagewatch.sagemaker.endpoint-override=" + model.url(),
                "-Dsagewatch.sagemaker.region=us-east-1",
                "-Dsagewatch.sagemaker.access-key-id=test",
                "-Dsagewatch.sagemaker.secret-access-key=test",
                "-Dsagewatch.endpoints.allowed=" + endpoint));
        settings.addAll(more);
        this.container = Artifact.image().map(image -> "sagewatch-it-" + port).orElse(null);
        this.process = new ProcessBuilder(
                        container != null ? Artifact.containerCommand(container, settings) : Artifact.command(settings))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    public int port() {
        return port;
    }

    /** The container's name, or null when the gateway runs as a plain process. */
    public String container() {
        return container;
    }

    /** The gateway's main process: the container's (as the host sees it), or the plain one. */
    public long pid() throws IOException, InterruptedException {
        return container == null
                ? process.pid()
                : Long.parseLong(podman("inspect", "--format", "{{.State.Pid}}", container)
                        .strip());
    }

    /** SIGTERM, as ECS stops a task ({@code podman stop}: SIGTERM, SIGKILL after 60 s), or to the process. */
    public void terminate() throws IOException, InterruptedException {
        if (container == null) {
            process.destroy();
        } else {
            new ProcessBuilder("podman", "stop", "-t", "60", container)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        }
    }

    /** SIGKILL: a crash, an out-of-memory kill. */
    public void kill() throws IOException, InterruptedException {
        if (container == null) {
            process.destroyForcibly();
        } else {
            podman("kill", "--signal", "KILL", container);
        }
    }

    /** Runs a podman command to its end (30 s at most) and returns its output. */
    public static String podman(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(arguments));
        Process podman = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(podman.getInputStream().readAllBytes());
        if (!podman.waitFor(30, TimeUnit.SECONDS) || podman.exitValue() != 0) {
            throw new IOException(command + " failed: " + output);
        }
        return output;
    }

    public Process process() {
        return process;
    }

    public String output() throws IOException {
        return Files.readString(log);
    }

    public void awaitFirstInference(String endpoint) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (client.send(invocation(endpoint), HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the gateway served no inference within 60 s");
    }

    /** {@code clients} callers in a loop on the endpoint until the gateway is gone ({@code callsEach} at most). */
    public void startLoad(int clients, String endpoint, int callsEach) {
        callers = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
            callers.submit(() -> {
                // bounded: in calls, and 5 s past the stop
                for (int i = 0; i < callsEach && System.nanoTime() - stopSentAt.get() < 5_000_000_000L; i++) {
                    long sentAt = System.nanoTime();
                    try {
                        HttpResponse<String> response =
                                client.send(invocation(endpoint), HttpResponse.BodyHandlers.ofString());
                        answers.add(new Answer(
                                sentAt,
                                response.statusCode(),
                                response.headers()
                                        .firstValue("X-Sagewatch-Inference-Id")
                                        .orElse(null),
                                response.headers()
                                        .firstValue("x-amzn-RequestId")
                                        .orElse(null)));
                    } catch (IOException e) {
                        brokenSentAt.add(sentAt);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
    }

    /** Marks the stop (callers end 5 s after it) and returns its time. */
    public long stopping() {
        long now = System.nanoTime();
        stopSentAt.set(now);
        return now;
    }

    /** Waits for the callers to end (after the gateway is gone). */
    public boolean awaitCallers() throws InterruptedException {
        return awaitCallers(Duration.ofSeconds(30));
    }

    /** Waits for the callers to end, at most {@code patience}. */
    public boolean awaitCallers(Duration patience) throws InterruptedException {
        callers.shutdown();
        return callers.awaitTermination(patience.toMillis(), TimeUnit.MILLISECONDS);
    }

    public List<Answer> answers() {
        return List.copyOf(answers);
    }

    public List<Long> brokenSentAt() {
        return List.copyOf(brokenSentAt);
    }

    /** The statuses of each answer's record in the table (null where there is none), in order. */
    public List<String> recordStatuses(List<Answer> of) throws Exception {
        List<String> statuses = new ArrayList<>();
        try (DynamoDbAsyncClient table = DynamoDbAsyncClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + dynamo.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build()) {
            for (Answer answer : of) {
                var item = table.getItem(b -> b.tableName("sagewatch-inferences")
                                .consistentRead(true)
                                .key(Map.of(
                                        "inference_id",
                                        AttributeValue.fromS(answer.inferenceId()),
                                        "request_id",
                                        AttributeValue.fromS(answer.requestId()))))
                        .get(10, TimeUnit.SECONDS)
                        .item();
                statuses.add(
                        item != null && item.containsKey("status")
                                ? item.get("status").s()
                                : null);
            }
        }
        return statuses;
    }

    private HttpRequest invocation(String endpoint) {
        return HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/endpoints/" + endpoint + "/invocations"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("in flight"))
                .build();
    }

    @Override
    public void close() throws InterruptedException {
        if (container != null) {
            try {
                podman("rm", "--force", "--time", "0", container);
            } catch (IOException e) {
                // gone already
            }
        }
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
        if (callers != null) {
            callers.shutdownNow();
        }
    }
}
