package io.sagewatch.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import io.sagewatch.aws.EventStreamMessage;

/**
 * LLM containers behind SageMaker, as the OpenAI front meets them: {@code llm-messages} (TGI's Messages API / vLLM:
 * OpenAI bodies through InvokeEndpoint, its stream as server-sent events inside PayloadParts, cut at odd places),
 * {@code llm-held} (the same, holding everything after its first chunk until released), {@code llm-broken} (one
 * chunk, then a ModelStreamError), {@code llm-openai} (SageMaker's OpenAI route: plain JSON, or server-sent events
 * in HTTP chunks; {@code "fail_with": 400} answers the container's own OpenAI error), {@code llm-generate} (TGI's
 * generate and generate_stream) and {@code llm-embed} (TEI: a vector per input).
 */
final class FakeLlm {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ANSWER = "Hello from fake";
    /** The Messages container's stream is cut into parts of this many bytes, across its events. */
    static final int PART_BYTES = 37;

    interface Release {
        void await(String inferenceId) throws InterruptedException;
    }

    private FakeLlm() {}

    static void answer(
            HttpExchange exchange,
            String endpoint,
            String inferenceId,
            byte[] body,
            boolean streaming,
            boolean openAiRoute,
            Release release)
            throws IOException, InterruptedException {
        JsonNode request = JSON.readTree(body);
        if (endpoint.equals("llm-openai") && !openAiRoute) {
            send(exchange, 400, "ValidationError", "{\"message\":\"llm-openai is called on its OpenAI route\"}");
            return;
        }
        if (request.path("fail_with").asInt(0) == 400) {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            byte[] error = "{\"error\":{\"message\":\"bad prompt\",\"type\":\"invalid_request_error\"}}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(400, error.length);
            exchange.getResponseBody().write(error);
            return;
        }
        switch (endpoint) {
            case "llm-generate" -> {
                if (streaming) {
                    eventStream(exchange, generateEvents(request), Integer.MAX_VALUE, null, null);
                } else {
                    ObjectNode answer = JSON.createArrayNode().addObject();
                    answer.put("generated_text", " world");
                    answer.putObject("details").put("finish_reason", "length").put("generated_tokens", 2);
                    json(exchange, "[" + answer + "]");
                }
            }
            case "llm-embed" -> {
                var vectors = JSON.createArrayNode();
                for (JsonNode input : request.path("inputs")) {
                    vectors.addArray().add(input.asText().length()).add(0.5).add(-1.0);
                }
                json(exchange, vectors.toString());
            }
            case "llm-openai" -> {
                if (request.path("stream").asBoolean(false)) {
                    exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
                    exchange.sendResponseHeaders(200, 0);
                    OutputStream out = exchange.getResponseBody();
                    for (String event : chatEvents(request)) {
                        out.write(event.getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                } else {
                    json(exchange, completion(request).toString());
                }
            }
            default -> { // llm-messages, llm-held, llm-broken
                if (streaming) {
                    String held = endpoint.equals("llm-held") ? inferenceId : null;
                    boolean broken = endpoint.equals("llm-broken");
                    eventStream(
                            exchange,
                            chatEvents(request),
                            held != null || broken ? Integer.MAX_VALUE : PART_BYTES,
                            held == null ? null : () -> release.await(held),
                            broken ? "ModelStreamError" : null);
                } else {
                    json(exchange, completion(request).toString());
                }
            }
        }
    }

    static ObjectNode completion(JsonNode request) {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("id", "chatcmpl-fake");
        answer.put("object", "chat.completion");
        answer.put("created", 1_700_000_000L);
        answer.put("model", request.path("model").asText("tgi"));
        ObjectNode choice = answer.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", ANSWER);
        choice.put("finish_reason", "stop");
        choice.putNull("logprobs");
        answer.putObject("usage")
                .put("prompt_tokens", 9)
                .put("completion_tokens", 3)
                .put("total_tokens", 12);
        return answer;
    }

    /** A chat stream as vLLM sends it: a role chunk, a chunk per token, the finish, usage only when asked. */
    static List<String> chatEvents(JsonNode request) {
        List<String> events = new ArrayList<>();
        String model = request.path("model").asText("tgi");
        events.add(chunk(model, "{\"role\":\"assistant\",\"content\":\"\"}", null));
        for (String token : List.of("Hello", " from", " fake")) {
            events.add(chunk(model, "{\"content\":" + JSON.valueToTree(token) + "}", null));
        }
        events.add(chunk(model, "{}", "stop"));
        if (request.path("stream_options").path("include_usage").asBoolean(false)) {
            events.add("data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                    + "\"model\":\"" + model + "\",\"choices\":[],"
                    + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}\n\n");
        }
        events.add("data: [DONE]\n\n");
        return events;
    }

    private static String chunk(String model, String delta, String finish) {
        return "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"" + model + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + ",\"logprobs\":null}]}\n\n";
    }

    /** TGI's generate_stream: one event per token, the last with generated_text and details. */
    static List<String> generateEvents(JsonNode request) {
        List<String> tokens = List.of(" wor", "ld", "</s>");
        List<String> events = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            boolean last = i == tokens.size() - 1;
            events.add("data:{\"token\":{\"id\":" + i + ",\"text\":\"" + tokens.get(i) + "\",\"logprob\":-0.1,"
                    + "\"special\":" + last + "},\"generated_text\":" + (last ? "\" world\"" : "null")
                    + ",\"details\":"
                    + (last ? "{\"finish_reason\":\"eos_token\",\"generated_tokens\":3}" : "null") + "}\n\n");
        }
        return events;
    }

    interface Hold {
        void await() throws InterruptedException;
    }

    /**
     * The events as InvokeEndpointWithResponseStream sends them: their bytes in PayloadParts of {@code partBytes}
     * (events cut across parts); with {@code hold}, the first event alone, then the rest once released; with
     * {@code exception}, the first event and then that exception.
     */
    private static void eventStream(
            HttpExchange exchange, List<String> events, int partBytes, Hold hold, String exception)
            throws IOException, InterruptedException {
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.amazon.eventstream");
        exchange.getResponseHeaders().add("X-Amzn-SageMaker-Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        if (hold != null || exception != null) {
            part(out, events.get(0).getBytes(StandardCharsets.UTF_8));
            if (exception != null) {
                out.write(EventStreamMessage.exception(
                                exception,
                                "{\"Message\":\"The model crashed mid-stream\",\"ErrorCode\":\"ModelError\"}"
                                        .getBytes(StandardCharsets.UTF_8))
                        .encode());
                out.flush();
                return;
            }
            hold.await();
            for (String event : events.subList(1, events.size())) {
                part(out, event.getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        byte[] all = String.join("", events).getBytes(StandardCharsets.UTF_8);
        for (int from = 0; from < all.length; from += partBytes) {
            int to = (int) Math.min((long) from + partBytes, all.length);
            byte[] slice = new byte[to - from];
            System.arraycopy(all, from, slice, 0, slice.length);
            part(out, slice);
        }
    }

    private static void part(OutputStream out, byte[] bytes) throws IOException {
        out.write(EventStreamMessage.event("PayloadPart", "application/octet-stream", bytes)
                .encode());
        out.flush();
    }

    private static void json(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void send(HttpExchange exchange, int status, String errorType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("x-amzn-ErrorType", errorType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
