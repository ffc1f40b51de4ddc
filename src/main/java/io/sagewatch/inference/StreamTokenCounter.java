package io.sagewatch.inference;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.core.TokenUsage;

/**
 * Counts the tokens of a streamed answer as its parts pass, for the shapes LLM containers stream: server-sent events
 * or JSON lines (a line may span parts, a part may hold many lines), each event one token: Hugging Face TGI and LMI
 * ({@code token}), OpenAI-compatible servers (vLLM, LMI's OpenAI mode: {@code choices[0].delta.content} or
 * {@code choices[0].text}). Counts the server reports win over the tally: {@code usage} (often on the last chunk)
 * and TGI's {@code details.generated_tokens}; so do the endpoint's configured pointers, read on every event. A stream
 * in another shape (plain text) has no token count. One per stream, fed in order, not thread-safe.
 */
final class StreamTokenCounter {

    /** A longer line is not an event of the shapes above; it is skipped, and memory stays bounded. */
    static final int MAX_LINE_BYTES = 64 * 1024;

    private final ObjectMapper json;
    private final EndpointPolicies.Policy policy;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private boolean skippingLongLine;
    private long counted;
    private Long reportedInput;
    private Long reportedOutput;

    StreamTokenCounter(ObjectMapper json, EndpointPolicies.Policy policy) {
        this.json = json;
        this.policy = policy;
    }

    void feed(byte[] part) {
        int from = 0;
        for (int i = 0; i < part.length; i++) {
            if (part[i] == '\n') {
                append(part, from, i - from);
                endLine();
                from = i + 1;
            }
        }
        append(part, from, part.length - from);
    }

    /** What the stream said, its last line included (a stream need not end with a newline). */
    TokenUsage usage() {
        endLine();
        Long output = reportedOutput != null ? reportedOutput : counted > 0 ? Long.valueOf(counted) : null;
        return reportedInput == null && output == null ? TokenUsage.NONE : new TokenUsage(reportedInput, output);
    }

    private void append(byte[] bytes, int from, int length) {
        if (skippingLongLine || length == 0) {
            return;
        }
        if (line.size() + length > MAX_LINE_BYTES) {
            skippingLongLine = true;
            line.reset();
            return;
        }
        line.write(bytes, from, length);
    }

    private void endLine() {
        if (!skippingLongLine && line.size() > 0) {
            event(line.toByteArray());
        }
        skippingLongLine = false;
        line.reset();
    }

    private void event(byte[] bytes) {
        int start = 0;
        int end = bytes.length;
        while (start < end && Character.isWhitespace(bytes[start])) {
            start++;
        }
        if (end - start >= 5
                && bytes[start] == 'd'
                && bytes[start + 1] == 'a'
                && bytes[start + 2] == 't'
                && bytes[start + 3] == 'a'
                && bytes[start + 4] == ':') {
            start += 5; // SSE "data:"; other SSE fields (event:, id:) are no JSON and fall through below
            while (start < end && Character.isWhitespace(bytes[start])) {
                start++;
            }
        }
        if (start >= end || bytes[start] != '{') {
            return; // "[DONE]", comments, other fields, plain text
        }
        JsonNode event;
        try {
            event = json.readTree(bytes, start, end - start);
        } catch (IOException e) {
            return;
        }
        if (event == null || !event.isObject()) {
            return;
        }
        if (policy.hasTokenPointers()) {
            Long input = TokenUsageReader.at(event, policy.inputTokensPointer().orElse(null));
            Long output =
                    TokenUsageReader.at(event, policy.outputTokensPointer().orElse(null));
            reportedInput = input != null ? input : reportedInput;
            reportedOutput = output != null ? output : reportedOutput;
            return;
        }
        JsonNode token = event.get("token");
        JsonNode choice = event.path("choices").path(0);
        if (token != null && token.isObject()) {
            counted++;
        } else if (nonEmpty(choice.path("delta").path("content")) || nonEmpty(choice.path("text"))) {
            counted++;
        }
        JsonNode usage = event.path("usage");
        Long input = TokenUsageReader.first(usage.path("prompt_tokens"), usage.path("input_tokens"));
        Long output = TokenUsageReader.first(
                usage.path("completion_tokens"),
                usage.path("output_tokens"),
                event.path("details").path("generated_tokens"));
        reportedInput = input != null ? input : reportedInput;
        reportedOutput = output != null ? output : reportedOutput;
    }

    private static boolean nonEmpty(JsonNode text) {
        return text.isTextual() && !text.asText().isEmpty();
    }
}
