package io.sagewatch.core;

/** Tokens an LLM reports for one inference; either count may be unknown (null). */
public record TokenUsage(Long inputTokens, Long outputTokens) {

    public static final TokenUsage NONE = new TokenUsage(null, null);

    public boolean isKnown() {
        return inputTokens != null || outputTokens != null;
    }
}
