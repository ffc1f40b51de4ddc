package io.sagewatch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
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
 * <li>{@code table-flaky}: the first two final writes of each inference fail with HTTP 500;</li>
 * <li>{@code table-down}: every write fails with HTTP 500;</li>
 * <li>{@code table-slow}: final writes are held for {@value #SLOW_WRITE_MILLIS} ms, then written.</li>
 * </ul>
 * Counts writes per inference id, readable at {@code /_gate/writes/{inferenceId}}.
 */
public final class TableGate implements AutoCloseable {

    static final long SLOW_WRITE_MILLIS = 3_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NOT_FORWARDED = Set.of("host", "connection", "content-length", "expect",
            "upgrade", "transfer-encoding", "keep-alive");
    private static final String INTERNAL_ERROR = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\","
            + "\"message\":\"injected by the test gate\"}";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(64);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI target;
    private final Map<String, AtomicInteger> finalWrites = new ConcurrentHashMap<>();

    public TableGate(int dynamoPort) throws IOException {
        target = URI.create("http://127.0.0.1:" + dynamoPort + "/");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/_gate/writes/")) {
                String id = path.substring("/_gate/writes/".length());
                reply(exchange, 200, Integer.toString(finalWrites.getOrDefault(id, new AtomicInteger()).get()));
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String operation = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (operation != null && operation.endsWith(".PutItem") && !admit(body)) {
                reply(exchange, 500, INTERNAL_ERROR);
                return;
            }
            forward(exchange, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Applies the endpoint's rule to one PutItem; false means: fail it. */
    private boolean admit(byte[] body) throws IOException, InterruptedException {
        JsonNode request = JSON.readTree(body);
        JsonNode item = request.path("Item");
        String endpoint = item.path("endpoint").path("S").asText();
        String inferenceId = item.path("inference_id").path("S").asText();
        boolean inProgress = request.has("ConditionExpression");
        if (!inProgress) {
            int attempt = finalWrites.computeIfAbsent(inferenceId, id -> new AtomicInteger()).incrementAndGet();
            if ("table-slow".equals(endpoint)) {
                Thread.sleep(SLOW_WRITE_MILLIS);
            }
            return switch (endpoint) {
                case "table-down" -> false;
                case "table-flaky" -> attempt > 2;
                default -> true;
            };
        }
        if ("rendezvous".equals(endpoint)) {
            Rendezvous.holdWrite(inferenceId);
        }
        return !"table-down".equals(endpoint);
    }

    private void forward(HttpExchange exchange, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().getRawPath()))
                .timeout(Duration.ofSeconds(30))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase())) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
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
