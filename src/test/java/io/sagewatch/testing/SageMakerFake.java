package io.sagewatch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A server speaking the SageMaker runtime protocol, with behaviour scripted by endpoint name (see {@link #answer}).
 * It remembers what it received, readable over HTTP at {@code /_fake/...} so that tests in any class loader can ask.
 */
public final class SageMakerFake implements AutoCloseable {

    /** How long "hung" hangs at most; released at once when the fake stops. */
    static final long HANG_SECONDS = 30;

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(64);
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Map<String, AtomicInteger> callsByEndpoint = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> callsByInferenceId = new ConcurrentHashMap<>();
    private final Map<String, String> lastHeadersByInferenceId = new ConcurrentHashMap<>();
    /** The last request per inference id as received: method, path, every header, the body (for signature checks). */
    private final Map<String, String> lastRequestByInferenceId = new ConcurrentHashMap<>();
    /** The "breaker" endpoint answers 500 while this is set ({@code /_fake/breaker/fail}, {@code /_fake/breaker/heal}). */
    private volatile boolean breakerFailing;

    public SageMakerFake() throws IOException {
        this(null);
    }

    /** Over HTTPS with this certificate (as SageMaker's endpoints are), or plain HTTP when null. */
    public SageMakerFake(SelfSignedCertificate certificate) throws IOException {
        server = SelfSignedCertificate.loopbackServer(certificate);
        server.setExecutor(executor);
        server.createContext("/endpoints/", this::invoke);
        server.createContext("/_fake/", this::control);
        server.start();
    }

    public String url() {
        return SelfSignedCertificate.url(server);
    }

    private void invoke(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] path = exchange.getRequestURI().getPath().split("/");
            if (path.length != 4 || !"invocations".equals(path[3])) {
                send(exchange, 404, "application/json", "{\"message\":\"unknown operation\"}", "UnknownOperationException");
                return;
            }
            String endpoint = path[2];
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String inferenceId = exchange.getRequestHeaders().getFirst("X-Amzn-SageMaker-Inference-Id");
            callsByEndpoint.computeIfAbsent(endpoint, e -> new AtomicInteger()).incrementAndGet();
            int call = 1;
            if (inferenceId != null) {
                call = callsByInferenceId.computeIfAbsent(inferenceId, e -> new AtomicInteger()).incrementAndGet();
                lastHeadersByInferenceId.put(inferenceId, headersAsJson(exchange));
                lastRequestByInferenceId.put(inferenceId, requestAsJson(exchange, body));
            }
            answer(exchange, endpoint, inferenceId, call, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The script. Endpoints not named here echo the request. */
    private void answer(HttpExchange exchange, String endpoint, String inferenceId, int call, byte[] body)
            throws IOException, InterruptedException {
        switch (endpoint) {
            case "error-model" -> send(exchange, 424, "application/json", """
                    {"ErrorCode":"CLIENT_ERROR_FROM_MODEL","Message":"Received client error (400) from primary with \
                    message \\"bad tensor shape\\".","OriginalStatusCode":400,"OriginalMessage":"bad tensor shape",\
                    "LogStreamArn":"arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/error-model"}""",
                    "ModelError");
            case "error-validation", "not-deployed" -> send(exchange, 400, "application/json",
                    "{\"message\":\"Endpoint " + endpoint + " of account 000000000000 not found.\"}", "ValidationError");
            case "error-not-ready" -> send(exchange, 429, "application/json",
                    "{\"message\":\"Model is not ready to serve inference requests.\"}", "ModelNotReadyException");
            case "error-internal" -> send(exchange, 500, "application/json",
                    "{\"message\":\"An internal failure occurred.\"}", "InternalFailure");
            case "error-unavailable" -> send(exchange, 503, "application/json",
                    "{\"message\":\"Service is unavailable. Try again later.\"}", "ServiceUnavailable");
            case "error-dependency" -> send(exchange, 530, "application/json",
                    "{\"message\":\"Your request caused an exception with an internal dependency.\"}",
                    "InternalDependencyException");
            case "error-unknown" -> send(exchange, 502, "text/html", "<html>Bad Gateway</html>", null);
            case "throttled" -> throttle(exchange);
            case "unavailable-once" -> {
                if (call == 1) {
                    send(exchange, 503, "application/json",
                            "{\"message\":\"Service is unavailable. Try again later.\"}", "ServiceUnavailable");
                } else {
                    echo(exchange, body);
                }
            }
            case "breaker" -> {
                if (breakerFailing) {
                    send(exchange, 500, "application/json", "{\"message\":\"An internal failure occurred.\"}",
                            "InternalFailure");
                } else {
                    echo(exchange, body);
                }
            }
            case "throttled-once" -> {
                if (call == 1) {
                    throttle(exchange);
                } else {
                    echo(exchange, body);
                }
            }
            case "slow" -> {
                stopping.await(300, TimeUnit.MILLISECONDS);
                echo(exchange, body);
            }
            case "hung" -> {
                stopping.await(HANG_SECONDS, TimeUnit.SECONDS);
                echo(exchange, body);
            }
            case "rendezvous" -> {
                if (Rendezvous.modelArrived(inferenceId)) {
                    echo(exchange, body);
                } else {
                    send(exchange, 500, "application/json",
                            "{\"message\":\"no overlap: the record write was not in flight during the model call\"}",
                            "InternalFailure");
                }
            }
            default -> echo(exchange, body);
        }
    }

    private static void throttle(HttpExchange exchange) throws IOException {
        send(exchange, 400, "application/json", "{\"message\":\"Rate exceeded\"}", "ThrottlingException");
    }

    private static void echo(HttpExchange exchange, byte[] body) throws IOException {
        var request = exchange.getRequestHeaders();
        var response = exchange.getResponseHeaders();
        String variant = request.getFirst("X-Amzn-SageMaker-Target-Variant");
        response.add("x-Amzn-Invoked-Production-Variant", variant != null ? variant : "AllTraffic");
        String attributes = request.getFirst("X-Amzn-SageMaker-Custom-Attributes");
        if (attributes != null) {
            response.add("X-Amzn-SageMaker-Custom-Attributes", "echo:" + attributes);
        }
        String contentType = request.getFirst("Content-Type");
        response.add("Content-Type", contentType != null ? contentType : "application/octet-stream");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body, String errorType)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", contentType);
        if (errorType != null) {
            exchange.getResponseHeaders().add("x-amzn-ErrorType", errorType + ":http://internal.amazon.com/coral/com.amazon.sagemaker.runtime/");
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static String headersAsJson(HttpExchange exchange) {
        StringBuilder json = new StringBuilder("{");
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('"').append(name.toLowerCase()).append("\":\"")
                    .append(values.get(0).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        });
        return json.append('}').toString();
    }

    /** A request as received: method, path, every header, the body (base64); read by sigv4_check.py. */
    static String requestAsJson(HttpExchange exchange, byte[] body) {
        var request = JSON.createObjectNode();
        request.put("method", exchange.getRequestMethod());
        request.put("path", exchange.getRequestURI().getRawPath());
        var headers = request.putArray("headers");
        exchange.getRequestHeaders().forEach((name, values) -> values.forEach(value -> headers.addArray()
                .add(name.toLowerCase()).add(value)));
        request.put("body_base64", java.util.Base64.getEncoder().encodeToString(body));
        return request.toString();
    }

    /** GET /_fake/calls/{endpoint}, /_fake/inference/{id}/calls, /_fake/inference/{id}/headers, .../request */
    private void control(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] path = exchange.getRequestURI().getPath().split("/");
            String answer;
            if (path.length == 4 && "calls".equals(path[2])) {
                answer = Integer.toString(callsByEndpoint.getOrDefault(path[3], new AtomicInteger()).get());
            } else if (path.length == 5 && "inference".equals(path[2]) && "calls".equals(path[4])) {
                answer = Integer.toString(callsByInferenceId.getOrDefault(path[3], new AtomicInteger()).get());
            } else if (path.length == 5 && "inference".equals(path[2]) && "headers".equals(path[4])) {
                answer = lastHeadersByInferenceId.getOrDefault(path[3], "{}");
            } else if (path.length == 5 && "inference".equals(path[2]) && "request".equals(path[4])) {
                answer = lastRequestByInferenceId.getOrDefault(path[3], "{}");
            } else if (path.length == 4 && "breaker".equals(path[2])) {
                breakerFailing = "fail".equals(path[3]);
                answer = Boolean.toString(breakerFailing);
            } else {
                send(exchange, 404, "text/plain", "unknown control path", null);
                return;
            }
            send(exchange, 200, "application/json", answer, null);
        }
    }

    @Override
    public void close() {
        stopping.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
