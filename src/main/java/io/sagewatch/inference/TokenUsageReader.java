package io.sagewatch.inference;

import java.io.IOException;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.TokenUsage;

/**
 * Reads token usage from a model's JSON answer, without per-endpoint settings for the common shapes: OpenAI-compatible
 * {@code usage.prompt_tokens}/{@code completion_tokens}, Anthropic/Bedrock {@code usage.input_tokens}/
 * {@code output_tokens}, Hugging Face TGI {@code details.generated_tokens} (also inside a one-element array); configured
 * JSON pointers win. An answer that is not JSON, or not valid JSON, has no tokens and passes through untouched.
 */
@ApplicationScoped
public class TokenUsageReader {

    /** Larger answers are not parsed: token counts come with chat-sized answers, not with bulk payloads. */
    static final int MAX_PARSED_BYTES = 512 * 1024;

    private final ObjectMapper json;
    private final EndpointPolicies policies;

    TokenUsageReader(ObjectMapper json, EndpointPolicies policies) {
        this.json = json;
        this.policies = policies;
    }

    public TokenUsage read(String endpoint, ModelResponse response) {
        if (response == null
                || response.body().length == 0
                || response.body().length > MAX_PARSED_BYTES
                || response.contentType() == null
                || !response.contentType().toLowerCase().contains("json")) {
            return TokenUsage.NONE;
        }
        JsonNode root;
        try {
            root = json.readTree(response.body());
        } catch (IOException e) {
            return TokenUsage.NONE;
        }
        if (root == null) {
            return TokenUsage.NONE;
        }
        EndpointPolicies.Policy policy = policies.of(endpoint);
        JsonNode answer = root.isArray() && root.size() > 0 ? root.get(0) : root;
        String finish = finishReason(answer);
        if (policy.hasTokenPointers()) {
            return new TokenUsage(
                    at(root, policy.inputTokensPointer().orElse(null)),
                    at(root, policy.outputTokensPointer().orElse(null)),
                    finish);
        }
        JsonNode usage = answer.path("usage");
        Long input = first(
                usage.path("prompt_tokens"),
                usage.path("input_tokens"),
                answer.path("details").path("prompt_tokens"));
        Long output = first(
                usage.path("completion_tokens"),
                usage.path("output_tokens"),
                answer.path("details").path("generated_tokens"));
        return input == null && output == null && finish == null
                ? TokenUsage.NONE
                : new TokenUsage(input, output, finish);
    }

    /** OpenAI's {@code choices[0].finish_reason}, TGI's {@code details.finish_reason}; null when neither says. */
    static String finishReason(JsonNode answer) {
        JsonNode reason = answer.path("choices").path(0).path("finish_reason");
        if (!reason.isTextual()) {
            reason = answer.path("details").path("finish_reason");
        }
        if (!reason.isTextual()) {
            reason = answer.path("finish_reason");
        }
        return reason.isTextual() && reason.asText().length() <= 64 ? reason.asText() : null;
    }

    static Long at(JsonNode root, String pointer) {
        if (pointer == null) {
            return null;
        }
        try {
            return count(root.at(pointer));
        } catch (IllegalArgumentException e) {
            return null; // not a valid JSON pointer
        }
    }

    static Long first(JsonNode... candidates) {
        for (JsonNode candidate : candidates) {
            Long value = count(candidate);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    static Long count(JsonNode node) {
        return node != null && node.isIntegralNumber() && node.asLong() >= 0 ? node.asLong() : null;
    }
}
