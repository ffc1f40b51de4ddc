package io.sagewatch.api.openai;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.StreamLines;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.json.Json;

/**
 * One streamed answer, part by part, as OpenAI's server-sent events: {@code data: {chunk}} ... {@code data: [DONE]}.
 * The container's events may be split across parts and parts may hold many: lines are put back together first. An
 * OpenAI-speaking container's chunks pass through as they came (its {@code [DONE]} is held back so the gateway's usage
 * chunk can precede it); a generate container's token events become completion chunks. One per stream, fed in order.
 */
final class OpenAiStream {

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    /** A longer line is not an event of these shapes: skipped, so memory stays bounded. */
    static final int MAX_LINE_BYTES = 1024 * 1024;

    private final ContainerProtocol protocol;
    private final String model;
    private final String id;
    private final long created;
    private final boolean includeUsage;
    private final StreamLines lines = new StreamLines(MAX_LINE_BYTES);
    private boolean usageSent;
    /** The container sent an error event: the stream ends with it, without usage or [DONE]. */
    private boolean failed;
    /** A generate container's own count (TGI's details.generated_tokens), for a replay that has no settled count. */
    private Long generatedTokens;

    OpenAiStream(ContainerProtocol protocol, String model, String id, long created, boolean includeUsage) {
        this.protocol = protocol;
        this.model = model;
        this.id = id;
        this.created = created;
        this.includeUsage = includeUsage;
    }

    /** The events this part completes, framed for the client; empty when it completes none. */
    byte[] part(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 64);
        lines.feed(bytes, (line, start, end) -> event(out, line, start, end));
        return out.toByteArray();
    }

    /** After the last part: its unterminated line, the usage chunk when asked for and not sent, then [DONE]. */
    byte[] end(InferenceOutcome outcome) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        lines.end((line, start, end) -> event(out, line, start, end));
        if (failed) {
            return out.toByteArray();
        }
        if (includeUsage && !usageSent) {
            TokenUsage usage = outcome == null ? TokenUsage.NONE : outcome.tokens();
            if ((usage == null || usage.outputTokens() == null) && generatedTokens != null) {
                usage = new TokenUsage(null, generatedTokens);
            }
            ObjectNode chunk = chunk();
            chunk.putArray("choices");
            OpenAiBodies.usage(chunk, usage == null ? TokenUsage.NONE : usage);
            emit(out, OpenAiBodies.bytes(chunk));
        }
        out.writeBytes(DONE);
        return out.toByteArray();
    }

    /** One line of the container's stream: an SSE {@code data:} line or a JSON line; anything else is dropped. */
    private void event(ByteArrayOutputStream out, byte[] bytes, int from, int end) {
        int start = StreamLines.valueStart(bytes, from, end);
        if (failed || start >= end || bytes[start] != '{') {
            return; // [DONE] (sent at the end), SSE comments, event:/id: lines, anything after an error
        }
        if (protocol != ContainerProtocol.GENERATE && contains(bytes, start, end, "\"error\"")) {
            JsonNode event = tree(bytes, start, end);
            if (event != null && event.has("error") && !event.has("choices")) {
                failed = true; // relayed as it came; the SDKs raise it
            }
        }
        if (protocol == ContainerProtocol.GENERATE) {
            generated(out, bytes, start, end);
            return;
        }
        if (contains(bytes, start, end, "\"usage\"")) {
            JsonNode chunk = tree(bytes, start, end);
            JsonNode usage = chunk == null ? null : chunk.get("usage");
            if (usage != null && usage.isObject()) {
                if (!includeUsage && chunk.path("choices").isEmpty()) {
                    return; // the container's usage-only chunk, not asked for by the client
                }
                usageSent = true;
            }
        }
        frame(out, bytes, start, end);
    }

    /** A TGI / DJL token event as a completion chunk; the last one, with details, carries the finish reason. */
    private void generated(ByteArrayOutputStream out, byte[] bytes, int start, int end) {
        JsonNode event = tree(bytes, start, end);
        if (event == null) {
            return;
        }
        if (event.has("error")) {
            failed = true;
            ObjectNode error = JSON.createObjectNode();
            error.putObject("error")
                    .put("message", event.path("error").asText())
                    .put("type", OpenAiErrors.SERVER)
                    .putNull("param")
                    .put("code", "model_error");
            emit(out, OpenAiBodies.bytes(error));
            return;
        }
        JsonNode generated = event.path("details").path("generated_tokens");
        if (generated.canConvertToLong()) {
            generatedTokens = generated.asLong();
        }
        JsonNode token = event.path("token");
        String text =
                token.path("special").asBoolean(false) ? "" : token.path("text").asText("");
        String finish = OpenAiBodies.finishReason(
                event.path("details").path("finish_reason").asText(null));
        if (text.isEmpty() && finish == null) {
            return;
        }
        ObjectNode chunk = chunk();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", text);
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        emit(out, OpenAiBodies.bytes(chunk));
    }

    private ObjectNode chunk() {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", protocol == ContainerProtocol.GENERATE ? "text_completion" : "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
    }

    private static void frame(ByteArrayOutputStream out, byte[] bytes, int start, int end) {
        out.writeBytes(DATA);
        out.write(bytes, start, end - start);
        out.write('\n');
        out.write('\n');
    }

    private static void emit(ByteArrayOutputStream out, byte[] json) {
        frame(out, json, 0, json.length);
    }

    private static JsonNode tree(byte[] bytes, int start, int end) {
        try {
            JsonNode node = JSON.readTree(bytes, start, end - start);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean contains(byte[] bytes, int start, int end, String ascii) {
        byte[] needle = ascii.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = start; i <= end - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
