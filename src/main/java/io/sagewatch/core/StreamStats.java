package io.sagewatch.core;

/**
 * What a streamed answer did, for the record, the log line and the meters. Times are nanoseconds; a part counts when
 * it is handed to the client's connection.
 *
 * @param firstPartNanos from the request's arrival to its first part handed to the client; -1 when none was
 * @param modelFirstPartNanos from the first upstream attempt to the first part received whole: the model's share of
 *     {@code firstPartNanos}; -1 when none was
 * @param parts parts handed to the client
 * @param bytes their payload bytes
 * @param interPartP50Nanos median gap between consecutive parts; -1 with fewer than two parts
 * @param interPartP99Nanos 99th percentile of those gaps; -1 with fewer than two parts
 * @param streamNanos from the first part to the end of the stream; 0 when no part came
 * @param truncated the reassembled output kept in the outcome's response is shorter than what was streamed
 */
public record StreamStats(
        long firstPartNanos,
        long modelFirstPartNanos,
        long parts,
        long bytes,
        long interPartP50Nanos,
        long interPartP99Nanos,
        long streamNanos,
        boolean truncated) {

    /** Milliseconds with microsecond precision, or null for "none" (negative). */
    public static Double millis(long nanos) {
        return nanos < 0 ? null : InferenceOutcome.millis(nanos);
    }

    public boolean anyPart() {
        return parts > 0;
    }

    /** The gateway's share of the time to first part. */
    public long addedFirstPartNanos() {
        return firstPartNanos < 0 ? -1 : Math.max(0, firstPartNanos - modelFirstPartNanos);
    }

    /** Output tokens per second over the stream (first part to last), or null when it cannot be said. */
    public Double tokensPerSecond(Long outputTokens) {
        if (outputTokens == null || outputTokens < 2 || streamNanos <= 0) {
            return null;
        }
        // the first token's arrival opens the interval: n tokens span n - 1 gaps
        return Math.round((outputTokens - 1) * 1e9 / streamNanos * 100.0) / 100.0;
    }
}
