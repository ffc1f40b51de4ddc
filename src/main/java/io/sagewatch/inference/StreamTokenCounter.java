package io.sagewatch.inference;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.core.StreamLines;
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
    private final StreamLines lines = new StreamLines(MAX_LINE_BYTES);
    private long counted;
    private Long reportedInput;
    private Long reportedOutput;
    private String finishReason;

    StreamTokenCounter(ObjectMapper json, EndpointPolicies.Policy policy) {
        this.json = json;
        this.policy = policy;
    }

    void feed(byte[] part) {
        lines.feed(part, this::event);
    }

    /** What the stream said, its last line included (a stream need not end with a newline). */
    TokenUsage usage() {
        lines.end(this::event);
        Long output = reportedOutput != null ? reportedOutput : counted > 0 ? Long.valueOf(counted) : null;
        return reportedInput == null && output == null && finishReason == null
                ? TokenUsage.NONE
                : new TokenUsage(reportedInput, output, finishReason);
    }

    private void event(byte[] bytes, int from, int end) {
        int start = StreamLines.valueStart(bytes, from, end);
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
        String finish = TokenUsageReader.finishReason(event);
        finishReason = finish != null ? finish : finishReason;
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
