package io.sagewatch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The AWS Lambda Runtime API (2018-06-01) as a function's {@code bootstrap} sees it, on a free loopback port: events
 * queued by the test are handed out by {@code GET .../invocation/next}; the function's answers, invocation errors and
 * init errors are collected. Enough for a custom runtime (provided.al2023) to run here as it runs in Lambda.
 */
public final class LambdaRuntimeApi implements AutoCloseable {

    private static final String PREFIX = "/2018-06-01/runtime/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the function answered for one event: a response, or an error ({@code error} set). */
    public record Answer(String body, String error, long answeredAtNanos) {}

    /** An event, and the trace header Lambda gives the function with it (its active tracing's invocation trace). */
    private record Event(String requestId, String body, String traceHeader) {}

    /** What Lambda sends when the invocation is not traced: no valid trace in it. */
    static final String UNTRACED = "Root=1-00000000-000000000000000000000000";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Map<String, CompletableFuture<Answer>> answers = new ConcurrentHashMap<>();
    private final CompletableFuture<Long> firstNextAtNanos = new CompletableFuture<>();
    private final CompletableFuture<String> initError = new CompletableFuture<>();
    private volatile Consumer<String> onAnswer = id -> {};

    public LambdaRuntimeApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(executor);
        server.createContext(PREFIX, this::handle);
        server.start();
    }

    /** The value of {@code AWS_LAMBDA_RUNTIME_API}. */
    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Runs as each answer arrives, before the function is told it was accepted (what was written by then, was). */
    public void onAnswer(Consumer<String> requestIdAnswered) {
        this.onAnswer = requestIdAnswered;
    }

    /** Queues an event; returns its request id. */
    public String invoke(String eventJson) {
        return invoke(eventJson, UNTRACED);
    }

    /** Queues an event that Lambda traces ({@code Lambda-Runtime-Trace-Id}: X-Ray's header); returns its request id. */
    public String invoke(String eventJson, String traceHeader) {
        String id = UUID.randomUUID().toString();
        answers.put(id, new CompletableFuture<>());
        events.add(new Event(id, eventJson, traceHeader));
        return id;
    }

    public Answer awaitAnswer(String requestId, Duration timeout) throws Exception {
        return answers.get(requestId).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** When the function first asked for an event: its init is over. */
    public long awaitFirstNext(Duration timeout) throws Exception {
        return firstNextAtNanos.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean initFailed() {
        return initError.isDone();
    }

    /**
     * What a provided.al2023 function sees from Lambda (this API, credentials and region in {@code AWS_*}), the SAM
     * template's variables, and the endpoints of the local parts in place of AWS's.
     */
    public Map<String, String> functionEnvironment(String dynamoDbUrl, String sageMakerUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("AWS_LAMBDA_RUNTIME_API", address());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "AKIDLAMBDA");
        env.put("AWS_SECRET_ACCESS_KEY", "lambda-secret");
        env.put("AWS_SESSION_TOKEN", "lambda-session-token");
        env.put("AWS_LAMBDA_FUNCTION_NAME", "sagewatch");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256");
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("DISABLE_SIGNAL_HANDLERS", "true");
        // deploy/sam/template.yaml's Globals
        env.put("SAGEWATCH_STORE_AWAIT_FINAL_WRITE", "true");
        env.put("SAGEWATCH_CONSOLE_ROLLUPS_WRITE_EACH_INFERENCE", "true");
        env.put("SAGEWATCH_CONSOLE_TAIL_HOLDS_CONNECTION", "false");
        env.put("SAGEWATCH_METRICS_EMF_ENABLED", "true");
        env.put("SAGEWATCH_METRICS_EMF_FLUSH_PER_INFERENCE", "true");
        env.put("SAGEWATCH_ENDPOINTS_ALLOWED", "echo,error-model,stream-tgi");
        // here instead of AWS
        env.put("QUARKUS_DYNAMODB_ENDPOINT_OVERRIDE", dynamoDbUrl);
        env.put("SAGEWATCH_STORE_CREATE_TABLE", "true");
        env.put("SAGEWATCH_SAGEMAKER_ENDPOINT_OVERRIDE", sageMakerUrl);
        return env;
    }

    /** An API Gateway HTTP API payload format 2.0 event. */
    public static String apiGatewayEvent(String method, String path, String body, Map<String, String> headers)
            throws IOException {
        ObjectNode event = JSON.createObjectNode();
        event.put("version", "2.0");
        event.put("routeKey", "$default");
        event.put("rawPath", path);
        event.put("rawQueryString", "");
        ObjectNode h = event.putObject("headers");
        h.put("host", "abc123.execute-api.us-east-1.amazonaws.com");
        headers.forEach(h::put);
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "123456789012");
        context.put("apiId", "abc123");
        context.put("domainName", "abc123.execute-api.us-east-1.amazonaws.com");
        context.put("requestId", UUID.randomUUID().toString());
        context.put("routeKey", "$default");
        context.put("stage", "$default");
        context.put("timeEpoch", System.currentTimeMillis());
        ObjectNode http = context.putObject("http");
        http.put("method", method);
        http.put("path", path);
        http.put("protocol", "HTTP/1.1");
        http.put("sourceIp", "127.0.0.1");
        http.put("userAgent", "Boto3/1.34");
        if (body != null) {
            event.put("body", Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
            event.put("isBase64Encoded", true);
        } else {
            event.put("isBase64Encoded", false);
        }
        return JSON.writeValueAsString(event);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
        try (InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (path.equals("invocation/next") && exchange.getRequestMethod().equals("GET")) {
                firstNextAtNanos.complete(System.nanoTime());
                Event event = events.poll(60, TimeUnit.SECONDS);
                if (event == null) {
                    send(exchange, 503, "{\"errorMessage\":\"no event within 60 s\"}");
                    return;
                }
                exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", event.requestId());
                exchange.getResponseHeaders()
                        .add("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 30_000));
                exchange.getResponseHeaders()
                        .add(
                                "Lambda-Runtime-Invoked-Function-Arn",
                                "arn:aws:lambda:us-east-1:123456789012:function:sagewatch");
                exchange.getResponseHeaders().add("Lambda-Runtime-Trace-Id", event.traceHeader());
                send(exchange, 200, event.body());
            } else if (path.startsWith("invocation/") && path.endsWith("/response")) {
                String id = path.substring("invocation/".length(), path.length() - "/response".length());
                answer(id, new Answer(body, null, System.nanoTime()));
                send(exchange, 202, "{\"status\":\"OK\"}");
            } else if (path.startsWith("invocation/") && path.endsWith("/error")) {
                String id = path.substring("invocation/".length(), path.length() - "/error".length());
                answer(id, new Answer(null, body, System.nanoTime()));
                send(exchange, 202, "{\"status\":\"OK\"}");
            } else if (path.equals("init/error")) {
                initError.complete(body);
                send(exchange, 202, "{\"status\":\"OK\"}");
            } else {
                send(exchange, 404, "{\"errorMessage\":\"unknown path " + path + "\"}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(exchange, 503, "{}");
        }
    }

    private void answer(String id, Answer answer) {
        onAnswer.accept(id);
        CompletableFuture<Answer> pending = answers.get(id);
        if (pending != null) {
            pending.complete(answer);
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
