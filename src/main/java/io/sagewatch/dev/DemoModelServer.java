package io.sagewatch.dev;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.aws.EventStreamMessage;
import io.sagewatch.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/**
 * A local stand-in for SageMaker: serves the demo models over the SageMaker runtime protocol (InvokeEndpoint's path,
 * headers and error shapes), so the gateway runs end to end with no AWS account. Loopback only.
 */
public final class DemoModelServer implements AutoCloseable {

    public static final String SENTIMENT = "demo-sentiment";
    public static final String LLM = "demo-llm";
    public static final List<String> ENDPOINTS = List.of(SENTIMENT, LLM);

    private static final Pattern INVOCATIONS = Pattern.compile("^/endpoints/([^/]+)/invocations(-response-stream)?$");
    /** The demo LLM's pace when it streams, so that time to first token and the gaps between tokens show. */
    static final long TOKEN_INTERVAL_MS = 20;

    private static final ObjectMapper JSON = Json.MAPPER;

    private final HttpServer server;

    private DemoModelServer(HttpServer server) {
        this.server = server;
    }

    public static DemoModelServer start(Vertx vertx, int port) {
        SentimentModel sentiment = new SentimentModel();
        TextGenerationModel llm = new TextGenerationModel();
        HttpServer server = vertx.createHttpServer()
                .requestHandler(request -> request.body()
                        .onSuccess(body -> answer(request, body, sentiment, llm))
                        .onFailure(
                                failure -> request.response().setStatusCode(400).end()));
        try {
            server.listen(port, "127.0.0.1")
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Demo model server could not listen on 127.0.0.1:" + port, e);
        }
        return new DemoModelServer(server);
    }

    public int port() {
        return server.actualPort();
    }

    private static void answer(
            HttpServerRequest request, Buffer body, SentimentModel sentiment, TextGenerationModel llm) {
        Matcher path = INVOCATIONS.matcher(request.path());
        if (!path.matches() || !"POST".equals(request.method().name())) {
            error(
                    request,
                    404,
                    "UnknownOperationException",
                    "Unknown operation " + request.method() + " " + request.path(),
                    null);
            return;
        }
        String endpoint = path.group(1);
        String text = body.toString(StandardCharsets.UTF_8);
        if (path.group(2) != null) {
            stream(request, endpoint, text, llm);
            return;
        }
        try {
            byte[] answer = switch (endpoint) {
                case SENTIMENT -> JSON.writeValueAsBytes(sentiment.classify(parseInputs(request, text)));
                case LLM -> JSON.writeValueAsBytes(llm.generate(JSON.readTree(text)));
                default -> null;
            };
            if (answer == null) {
                error(
                        request,
                        400,
                        "ValidationError",
                        "Endpoint " + endpoint + " of account 000000000000 not found.",
                        null);
                return;
            }
            request.response()
                    .putHeader("Content-Type", "application/json")
                    .putHeader("x-Amzn-Invoked-Production-Variant", "AllTraffic")
                    .end(Buffer.buffer(answer));
        } catch (Exception e) {
            // What SageMaker does when a container answers 4xx: a ModelError carrying the container's status.
            error(
                    request,
                    424,
                    "ModelError",
                    "Received client error (400) from primary with message \"" + e.getMessage() + "\".",
                    e.getMessage());
        }
    }

    /** InvokeEndpointWithResponseStream: the demo LLM's tokens as PayloadPart events, one every few milliseconds. */
    private static void stream(HttpServerRequest request, String endpoint, String text, TextGenerationModel llm) {
        if (!LLM.equals(endpoint)) {
            error(request, 400, "ValidationError", "Endpoint " + endpoint + " does not support streaming.", null);
            return;
        }
        List<String> events;
        try {
            events = llm.stream(JSON.readTree(text));
        } catch (Exception e) {
            error(
                    request,
                    424,
                    "ModelError",
                    "Received client error (400) from primary with message \"" + e.getMessage() + "\".",
                    e.getMessage());
            return;
        }
        var response = request.response()
                .setChunked(true)
                .putHeader("Content-Type", "application/vnd.amazon.eventstream")
                .putHeader("X-Amzn-SageMaker-Content-Type", "text/event-stream")
                .putHeader("x-Amzn-Invoked-Production-Variant", "AllTraffic");
        Vertx vertx = Vertx.currentContext().owner();
        Runnable[] next = new Runnable[1];
        int[] sent = {0};
        next[0] = () -> {
            if (response.closed()) {
                return;
            }
            if (sent[0] == events.size()) {
                response.end();
                return;
            }
            response.write(Buffer.buffer(EventStreamMessage.event(
                            "PayloadPart",
                            "application/octet-stream",
                            events.get(sent[0]++).getBytes(StandardCharsets.UTF_8))
                    .encode()));
            vertx.setTimer(TOKEN_INTERVAL_MS, id -> next[0].run());
        };
        vertx.setTimer(TOKEN_INTERVAL_MS, id -> next[0].run());
    }

    /** Plain text, {"inputs": "..."} or {"inputs": ["...", ...]}. */
    private static List<String> parseInputs(HttpServerRequest request, String text) throws Exception {
        String type = request.getHeader("Content-Type");
        if (type == null || !type.contains("json")) {
            return List.of(text);
        }
        JsonNode inputs = JSON.readTree(text).path("inputs");
        if (inputs.isTextual()) {
            return List.of(inputs.asText());
        }
        if (inputs.isArray() && !inputs.isEmpty()) {
            return java.util.stream.StreamSupport.stream(inputs.spliterator(), false)
                    .map(JsonNode::asText)
                    .toList();
        }
        throw new IllegalArgumentException("Expected {\"inputs\": \"text\"} or {\"inputs\": [\"text\", ...]}");
    }

    private static void error(
            HttpServerRequest request, int status, String code, String message, String originalMessage) {
        ObjectNode body = JSON.createObjectNode().put("ErrorCode", code).put("Message", message);
        if (originalMessage != null) {
            body.put("OriginalStatusCode", 400).put("OriginalMessage", originalMessage);
        }
        request.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .putHeader("x-amzn-ErrorType", code)
                .end(body.toString());
    }

    @Override
    public void close() {
        server.close();
    }
}
