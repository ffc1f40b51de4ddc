package io.sagewatch.core;

/**
 * Tokens an LLM reports for one inference; either count may be unknown (null).
 *
 * @param finishReason why the model stopped ({@code stop}, {@code length}, {@code tool_calls}...), as it said, or null
 */
public record TokenUsage(Long inputTokens, Long outputTokens, String finishReason) {

    public static final TokenUsage NONE = new TokenUsage(null, null, null);

    public TokenUsage(Long inputTokens, Long outputTokens) {
        this(inputTokens, outputTokens, null);
    }

    public boolean isKnown() {
        return inputTokens != null || outputTokens != null;
    }

    public long totalTokens() {
        return (inputTokens == null ? 0 : inputTokens) + (outputTokens == null ? 0 : outputTokens);
    }
}
