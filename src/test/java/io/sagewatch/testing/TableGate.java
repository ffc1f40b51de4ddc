package io.sagewatch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An HTTP proxy in front of DynamoDB Local that can hold or fail record writes, chosen by the record's endpoint:
 * <ul>
 * <li>{@code rendezvous}: holds the in-progress write until the model call arrives ({@link Rendezvous});</li>
 * <li>{@code table-flaky}: the first two final writes of each inference are not taken (returned as UnprocessedItems,
 * as DynamoDB does);</li>
 * <li>{@code table-down}: the table refuses the record, in-progress or final: a ValidationException for a
 * BatchWriteItem that holds it (as for an item DynamoDB will never take);</li>
 * <li>{@code table-slow}: the first final write is held for {@value #SLOW_WRITE_MILLIS} ms, then written;</li>
 * <li>{@code table-lag}: a write call that holds a final record is held for {@value #LAG_MILLIS} ms, then written
 * (within the gateway's write timeout: slow, not failing); closing the gate meanwhile drops it unwritten.</li>
 * </ul>
 * Counts final writes per inference id, readable at {@code /_gate/writes/{inferenceId}}, and BatchWriteItem calls
 * that reached the table, at {@code /_gate/batches}; the DynamoDB operations the gateway called, at
 * {@code /_gate/operations} (comma-separated). {@code /_gate/outage/on} makes
 * the table unreachable for everything (connections are closed unanswered, as a stopped DynamoDB would), until
 * {@code /_gate/outage/off}.
 */
public final class TableGate implements AutoCloseable {

    static final long SLOW_WRITE_MILLIS = 3_000;
    static final long LAG_MILLIS = 300;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NOT_FORWARDED =
            Set.of("host", "connection", "content-length", "expect", "upgrade", "transfer-encoding", "keep-alive");
    private static final String VALIDATION_ERROR = "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
            + "\"message\":\"the test gate refuses this item\"}";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(64);
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final URI target;
    private final Map<String, AtomicInteger> finalWrites = new ConcurrentHashMap<>();
    private volatile boolean outage;
    private final AtomicInteger batchWrites = new AtomicInteger();
    private final Set<String> operations = ConcurrentHashMap.newKeySet();
    /** The last BatchWriteItem as received (method, path, headers, body), for signature checks. */
    private volatile String lastBatch = "{}";

    public TableGate(int dynamoPort) throws IOException {
        this(dynamoPort, null);
    }

    /** Serving HTTPS with this certificate (as DynamoDB's endpoints do), or plain HTTP when null. */
    public TableGate(int dynamoPort, SelfSignedCertificate certificate) throws IOException {
        target = URI.create("http://127.0.0.1:" + dynamoPort + "/");
        server = SelfSignedCertificate.loopbackServer(certificate);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return SelfSignedCertificate.url(server);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/_gate/writes/")) {
                String id = path.substring("/_gate/writes/".length());
                reply(
                        exchange,
                        200,
                        Integer.toString(finalWrites
                                .getOrDefault(id, new AtomicInteger())
                                .get()));
                return;
            }
            if (path.equals("/_gate/last-batch")) {
                reply(exchange, 200, lastBatch);
                return;
            }
            if (path.equals("/_gate/batches")) {
                reply(exchange, 200, Integer.toString(batchWrites.get()));
                return;
            }
            if (path.equals("/_gate/operations")) {
                reply(exchange, 200, String.join(",", new TreeSet<>(operations)));
                return;
            }
            if (path.startsWith("/_gate/outage/")) {
                outage = path.endsWith("/on");
                reply(exchange, 200, String.valueOf(outage));
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (outage) {
                return; // closed without an answer: the client sees a broken connection
            }
            String operation = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (operation != null) {
                operations.add(operation.substring(operation.indexOf('.') + 1));
            }
            if (operation != null && operation.endsWith(".BatchWriteItem")) {
                lastBatch = SageMakerFake.requestAsJson(exchange, body);
                batch(exchange, body);
                return;
            }
            forward(exchange, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Applies each item's rule to a BatchWriteItem (in-progress and final records): items not taken come back as
     * UnprocessedItems, the rest are forwarded; a refused item refuses the whole call.
     */
    private void batch(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        var request = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(body);
        var tables = (com.fasterxml.jackson.databind.node.ObjectNode) request.path("RequestItems");
        String tableName = tables.fieldNames().next();
        var forwarded = JSON.createArrayNode();
        var unprocessed = JSON.createArrayNode();
        boolean lag = false;
        for (JsonNode write : tables.path(tableName)) {
            JsonNode item = write.path("PutRequest").path("Item");
            boolean inProgress =
                    "IN_PROGRESS".equals(item.path("status").path("S").asText());
            lag |= !inProgress
                    && "table-lag".equals(item.path("endpoint").path("S").asText());
            if (inProgress
                    && "rendezvous".equals(item.path("endpoint").path("S").asText())) {
                Rendezvous.holdWrite(item.path("inference_id").path("S").asText());
            }
            if ("table-down".equals(item.path("endpoint").path("S").asText())) {
                if (inProgress) {
                    reply(exchange, 400, VALIDATION_ERROR);
                    return;
                }
                finalWrites
                        .computeIfAbsent(item.path("inference_id").path("S").asText(), id -> new AtomicInteger())
                        .incrementAndGet();
                reply(exchange, 400, VALIDATION_ERROR);
                return;
            }
            (inProgress || admitFinal(item) ? forwarded : unprocessed).add(write);
        }
        batchWrites.incrementAndGet();
        if (lag) {
            Thread.sleep(LAG_MILLIS);
        }
        if (forwarded.isEmpty()) {
            reply(
                    exchange,
                    200,
                    JSON.writeValueAsString(JSON.createObjectNode()
                            .set("UnprocessedItems", JSON.createObjectNode().set(tableName, unprocessed))));
            return;
        }
        tables.set(tableName, forwarded);
        if (unprocessed.isEmpty()) {
            forward(exchange, JSON.writeValueAsBytes(request));
            return;
        }
        // forward the taken items, then add the others to DynamoDB Local's answer
        HttpResponse<byte[]> answer = send(exchange, JSON.writeValueAsBytes(request));
        var merged = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(answer.body());
        var left = merged.with("UnprocessedItems").withArray(tableName);
        unprocessed.forEach(left::add);
        reply(exchange, answer.statusCode(), JSON.writeValueAsString(merged));
    }

    /** The rule for one final record: false means not taken this time. */
    private boolean admitFinal(JsonNode item) throws InterruptedException {
        String endpoint = item.path("endpoint").path("S").asText();
        int attempt = finalWrites
                .computeIfAbsent(item.path("inference_id").path("S").asText(), id -> new AtomicInteger())
                .incrementAndGet();
        if ("table-slow".equals(endpoint) && attempt == 1) {
            Thread.sleep(SLOW_WRITE_MILLIS);
        }
        return !"table-flaky".equals(endpoint) || attempt > 2;
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = send(exchange, body);
        response.headers().map().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                values.forEach(value -> exchange.getResponseHeaders().add(name, value));
            }
        });
        byte[] answer = response.body();
        exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
        if (answer.length > 0) {
            exchange.getResponseBody().write(answer);
        }
    }

    private HttpResponse<byte[]> send(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        target.resolve(exchange.getRequestURI().getRawPath()))
                .timeout(Duration.ofSeconds(30))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase())) {
                values.forEach(value -> request.header(name, value));
            }
        });
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
