package io.sagewatch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.sagewatch.aws.EventStreamMessage;

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

    private final Map<String, CountDownLatch> releases = new ConcurrentHashMap<>();
    private final Map<String, Boolean> cutStreams = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> writtenBytes = new ConcurrentHashMap<>();

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
            boolean streaming = path.length == 4 && "invocations-response-stream".equals(path[3]);
            boolean openAiRoute =
                    exchange.getRequestURI().getPath().endsWith("/openai/v1/chat/completions") && path.length == 7;
            if (!openAiRoute && (path.length != 4 || !("invocations".equals(path[3]) || streaming))) {
                send(
                        exchange,
                        404,
                        "application/json",
                        "{\"message\":\"unknown operation\"}",
                        "UnknownOperationException");
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
                call = callsByInferenceId
                        .computeIfAbsent(inferenceId, e -> new AtomicInteger())
                        .incrementAndGet();
                lastHeadersByInferenceId.put(inferenceId, headersAsJson(exchange));
                lastRequestByInferenceId.put(inferenceId, requestAsJson(exchange, body));
            }
            if (endpoint.startsWith("llm-")) {
                FakeLlm.answer(exchange, endpoint, inferenceId, body, streaming, openAiRoute, this::awaitRelease);
            } else if (openAiRoute) {
                send(exchange, 404, "application/json", "{\"message\":\"no OpenAI route\"}", "ValidationError");
            } else if (streaming && endpoint.startsWith("stream")) {
                stream(exchange, endpoint, inferenceId, body);
            } else {
                answer(exchange, endpoint, inferenceId, call, body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits (bounded) until {@code /_fake/release/{inferenceId}} is called. */
    private void awaitRelease(String inferenceId) throws InterruptedException {
        releases.computeIfAbsent(inferenceId, id -> new CountDownLatch(1)).await(HANG_SECONDS, TimeUnit.SECONDS);
    }

    /** The script. Endpoints not named here echo the request. */
    private void answer(HttpExchange exchange, String endpoint, String inferenceId, int call, byte[] body)
            throws IOException, InterruptedException {
        switch (endpoint) {
            case "error-model" -> send(exchange, 424, "application/json", """
                    {"ErrorCode":"CLIENT_ERROR_FROM_MODEL","Message":"Received client error (400) from primary with \
                    message \\"bad tensor shape\\".","OriginalStatusCode":400,"OriginalMessage":"bad tensor shape",\
                    "LogStreamArn":"arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/error-model"}""", "ModelError");
            case "error-validation", "not-deployed" ->
                send(
                        exchange,
                        400,
                        "application/json",
                        "{\"message\":\"Endpoint " + endpoint + " of account 000000000000 not found.\"}",
                        "ValidationError");
            case "error-not-ready" ->
                send(
                        exchange,
                        429,
                        "application/json",
                        "{\"message\":\"Model is not ready to serve inference requests.\"}",
                        "ModelNotReadyException");
            case "error-internal" ->
                send(
                        exchange,
                        500,
                        "application/json",
                        "{\"message\":\"An internal failure occurred.\"}",
                        "InternalFailure");
            case "error-unavailable" ->
                send(
                        exchange,
                        503,
                        "application/json",
                        "{\"message\":\"Service is unavailable. Try again later.\"}",
                        "ServiceUnavailable");
            case "error-dependency" ->
                send(
                        exchange,
                        530,
                        "application/json",
                        "{\"message\":\"Your request caused an exception with an internal dependency.\"}",
                        "InternalDependencyException");
            case "error-unknown" -> send(exchange, 502, "text/html", "<html>Bad Gateway</html>", null);
            case "throttled" -> throttle(exchange);
            case "unavailable-once" -> {
                if (call == 1) {
                    send(
                            exchange,
                            503,
                            "application/json",
                            "{\"message\":\"Service is unavailable. Try again later.\"}",
                            "ServiceUnavailable");
                } else {
                    echo(exchange, body);
                }
            }
            case "breaker" -> {
                if (breakerFailing) {
                    send(
                            exchange,
                            500,
                            "application/json",
                            "{\"message\":\"An internal failure occurred.\"}",
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
                    send(
                            exchange,
                            500,
                            "application/json",
                            "{\"message\":\"no overlap: the record write was not in flight during the model call\"}",
                            "InternalFailure");
                }
            }
            default -> echo(exchange, body);
        }
    }

    /**
     * InvokeEndpointWithResponseStream. The request body says how many parts and their pace:
     * {@code {"parts": N, "pace_ms": P}} (defaults 3 and 0). Endpoints: {@code stream-tgi} (TGI's server-sent events,
     * generated_tokens on the last), {@code stream-openai} (chat completion chunks, usage on the last, then [DONE]),
     * {@code stream-raw} and others (part i is "part-i;"), {@code stream-error} (2 parts, then a ModelStreamError
     * event), {@code stream-internal-failure} (1 part, then InternalStreamFailure), {@code stream-held} (the first
     * part, then the rest once {@code /_fake/release/{inferenceId}} is called), {@code stream-silent} (1 part, then
     * nothing), {@code stream-late} (the head, then nothing), {@code stream-broken} (1 part, then the body ends
     * halfway through an event). {@code "part_bytes"} pads each part to that size. Whether a stream was cut off by the
     * gateway is at {@code /_fake/stream/{inferenceId}/cut}, the bytes of parts written so far at {@code .../written}.
     */
    private void stream(HttpExchange exchange, String endpoint, String inferenceId, byte[] body)
            throws IOException, InterruptedException {
        var request = JSON.readTree(body.length > 0 && body[0] == '{' ? body : "{}".getBytes());
        int parts = request.path("parts").asInt(3);
        long pace = request.path("pace_ms").asLong(0);
        int padding = request.path("part_bytes").asInt(0);
        AtomicLong written = inferenceId == null
                ? new AtomicLong()
                : writtenBytes.computeIfAbsent(inferenceId, id -> new AtomicLong());
        var response = exchange.getResponseHeaders();
        response.add("Content-Type", "application/vnd.amazon.eventstream");
        response.add(
                "X-Amzn-SageMaker-Content-Type",
                endpoint.equals("stream-tgi") || endpoint.equals("stream-openai")
                        ? "text/event-stream"
                        : "application/octet-stream");
        String variant = exchange.getRequestHeaders().getFirst("X-Amzn-SageMaker-Target-Variant");
        response.add("x-Amzn-Invoked-Production-Variant", variant != null ? variant : "AllTraffic");
        String attributes = exchange.getRequestHeaders().getFirst("X-Amzn-SageMaker-Custom-Attributes");
        if (attributes != null) {
            response.add("X-Amzn-SageMaker-Custom-Attributes", "echo:" + attributes);
        }
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        CountDownLatch release = inferenceId == null
                ? new CountDownLatch(0)
                : releases.computeIfAbsent(inferenceId, id -> new CountDownLatch(1));
        try {
            switch (endpoint) {
                case "stream-late" -> {
                    out.flush();
                    stopping.await(HANG_SECONDS, TimeUnit.SECONDS);
                    return;
                }
                case "stream-error" -> {
                    part(out, "part-1;");
                    part(out, "part-2;");
                    event(
                            out,
                            EventStreamMessage.exception(
                                    "ModelStreamError",
                                    "{\"Message\":\"Model container crashed mid-stream\",\"ErrorCode\":\"ModelError\"}"
                                            .getBytes(StandardCharsets.UTF_8)));
                    return;
                }
                case "stream-internal-failure" -> {
                    part(out, "part-1;");
                    event(
                            out,
                            EventStreamMessage.exception(
                                    "InternalStreamFailure",
                                    "{\"Message\":\"Internal stream failure\"}".getBytes(StandardCharsets.UTF_8)));
                    return;
                }
                case "stream-broken" -> {
                    part(out, "part-1;");
                    byte[] next = EventStreamMessage.event(
                                    "PayloadPart",
                                    "application/octet-stream",
                                    "part-2;".getBytes(StandardCharsets.UTF_8))
                            .encode();
                    out.write(next, 0, next.length / 2);
                    out.flush();
                    return; // the body ends mid-event
                }
                default -> {}
            }
            for (int i = 1; i <= parts; i++) {
                if (i > 1 && pace > 0) {
                    Thread.sleep(pace);
                }
                if (i == 2 && endpoint.equals("stream-held")) {
                    release.await(HANG_SECONDS, TimeUnit.SECONDS);
                }
                if (i == 2 && endpoint.equals("stream-silent")) {
                    stopping.await(HANG_SECONDS, TimeUnit.SECONDS);
                    return;
                }
                String text = partText(endpoint, i, parts);
                if (padding > text.length()) {
                    text = text + ".".repeat(padding - text.length());
                }
                part(out, text);
                written.addAndGet(text.length());
            }
        } catch (IOException cut) {
            if (inferenceId != null) {
                cutStreams.put(inferenceId, Boolean.TRUE);
            }
            throw cut;
        }
    }

    /** Part {@code i} of {@code n} in the endpoint's shape. */
    static String partText(String endpoint, int i, int n) {
        return switch (endpoint) {
            case "stream-tgi" ->
                "data:{\"token\":{\"id\":" + i + ",\"text\":\"t" + i + " \",\"special\":false},"
                        + "\"generated_text\":" + (i == n ? "\"done\"" : "null") + ",\"details\":"
                        + (i == n ? "{\"finish_reason\":\"length\",\"generated_tokens\":" + n + "}" : "null") + "}\n\n";
            case "stream-openai" ->
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t" + i + " \"}}]}\n\n"
                        + (i == n
                                ? "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":" + n
                                        + "}}\n\ndata: [DONE]\n\n"
                                : "");
            default -> "part-" + i + ";";
        };
    }

    private static void part(OutputStream out, String text) throws IOException {
        event(
                out,
                EventStreamMessage.event(
                        "PayloadPart", "application/octet-stream", text.getBytes(StandardCharsets.UTF_8)));
    }

    private static void event(OutputStream out, EventStreamMessage message) throws IOException {
        out.write(message.encode());
        out.flush();
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
            exchange.getResponseHeaders()
                    .add(
                            "x-amzn-ErrorType",
                            errorType + ":http://internal.amazon.com/coral/com.amazon.sagemaker.runtime/");
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
            json.append('"')
                    .append(name.toLowerCase())
                    .append("\":\"")
                    .append(values.get(0).replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        });
        return json.append('}').toString();
    }

    /** A request as received: method, path, every header, the body (base64); read by sigv4_check.py. */
    static String requestAsJson(HttpExchange exchange, byte[] body) {
        var request = JSON.createObjectNode();
        request.put("method", exchange.getRequestMethod());
        request.put("path", exchange.getRequestURI().getRawPath());
        var headers = request.putArray("headers");
        exchange.getRequestHeaders()
                .forEach((name, values) -> values.forEach(
                        value -> headers.addArray().add(name.toLowerCase()).add(value)));
        request.put("body_base64", java.util.Base64.getEncoder().encodeToString(body));
        return request.toString();
    }

    /** GET /_fake/calls/{endpoint}, /_fake/inference/{id}/calls, /_fake/inference/{id}/headers, .../request */
    private void control(HttpExchange exchange) throws IOException {
        try (exchange) {
            String[] path = exchange.getRequestURI().getPath().split("/");
            String answer;
            if (path.length == 4 && "calls".equals(path[2])) {
                answer = Integer.toString(callsByEndpoint
                        .getOrDefault(path[3], new AtomicInteger())
                        .get());
            } else if (path.length == 5 && "inference".equals(path[2]) && "calls".equals(path[4])) {
                answer = Integer.toString(callsByInferenceId
                        .getOrDefault(path[3], new AtomicInteger())
                        .get());
            } else if (path.length == 5 && "inference".equals(path[2]) && "headers".equals(path[4])) {
                answer = lastHeadersByInferenceId.getOrDefault(path[3], "{}");
            } else if (path.length == 5 && "inference".equals(path[2]) && "request".equals(path[4])) {
                answer = lastRequestByInferenceId.getOrDefault(path[3], "{}");
            } else if (path.length == 4 && "release".equals(path[2])) {
                releases.computeIfAbsent(path[3], id -> new CountDownLatch(1)).countDown();
                answer = "true";
            } else if (path.length == 5 && "stream".equals(path[2]) && "written".equals(path[4])) {
                answer = Long.toString(
                        writtenBytes.getOrDefault(path[3], new AtomicLong()).get());
            } else if (path.length == 5 && "stream".equals(path[2]) && "cut".equals(path[4])) {
                answer = Boolean.toString(cutStreams.containsKey(path[3]));
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
