package io.sagewatch.inference;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.ModelStream;
import io.sagewatch.core.StreamPart;
import io.sagewatch.core.StreamStats;
import io.sagewatch.core.TokenUsage;

/**
 * What one stream has done so far, told part by part as each is handed to the client: the times, the gaps, the bytes,
 * the tokens, and the answer reassembled up to a cap. Bounded: gaps beyond {@link #MAX_GAPS} are kept as a uniform
 * sample (percentiles stay unbiased). Parts of one stream arrive one at a time (a Multi's items are serial); the end
 * may be read from another thread (a client leaving), hence the (uncontended) locks.
 */
final class StreamTally {

    static final int MAX_GAPS = 16_384;

    private final InferenceRequest request;
    private final ModelStream stream;
    private final StreamTokenCounter tokens;
    private final int keepBytes;
    private final ByteArrayOutputStream kept;

    private long firstPartAt = -1;
    private long firstPartReceivedAt = -1;
    private long lastPartAt;
    private long parts;
    private long bytes;
    private boolean truncated;
    private int[] gapsMicros = new int[16];
    private int gapCount;
    private long gapsSeen;

    /** {@code keepBytes}: how much of the answer to reassemble (for the captured output and idempotent replays). */
    StreamTally(InferenceRequest request, ModelStream stream, StreamTokenCounter tokens, int keepBytes) {
        this.request = request;
        this.stream = stream;
        this.tokens = tokens;
        this.keepBytes = keepBytes;
        this.kept = keepBytes > 0 ? new ByteArrayOutputStream(Math.min(keepBytes, 4096)) : null;
    }

    /** Returns the gap since the previous part, -1 for the first. */
    synchronized long delivered(StreamPart part) {
        long now = System.nanoTime();
        long gap = -1;
        if (parts == 0) {
            firstPartAt = now;
            firstPartReceivedAt = part.receivedNanos();
        } else {
            gap = now - lastPartAt;
            gap(gap);
        }
        lastPartAt = now;
        parts++;
        byte[] payload = part.bytes();
        bytes += payload.length;
        tokens.feed(payload);
        if (kept != null) {
            int room = keepBytes - kept.size();
            kept.write(payload, 0, Math.max(0, Math.min(room, payload.length)));
            truncated |= payload.length > room;
        } else {
            truncated = true;
        }
        return gap;
    }

    private void gap(long nanos) {
        int micros = (int) Math.min(Integer.MAX_VALUE, nanos / 1_000);
        gapsSeen++;
        if (gapCount < MAX_GAPS) {
            if (gapCount == gapsMicros.length) {
                gapsMicros = Arrays.copyOf(gapsMicros, Math.min(MAX_GAPS, gapCount * 2));
            }
            gapsMicros[gapCount++] = micros;
        } else {
            long slot = ThreadLocalRandom.current().nextLong(gapsSeen);
            if (slot < MAX_GAPS) {
                gapsMicros[(int) slot] = micros;
            }
        }
    }

    synchronized StreamStats stats() {
        long p50 = -1;
        long p99 = -1;
        if (gapCount > 0) {
            int[] sorted = Arrays.copyOf(gapsMicros, gapCount);
            Arrays.sort(sorted);
            p50 = percentile(sorted, 0.50) * 1_000L;
            p99 = percentile(sorted, 0.99) * 1_000L;
        }
        long first = parts == 0 ? -1 : firstPartAt - request.startNanos();
        long modelFirst = parts == 0 ? -1 : firstPartReceivedAt - stream.callStartNanos();
        long streamNanos = parts == 0 ? 0 : System.nanoTime() - firstPartAt;
        return new StreamStats(first, modelFirst, parts, bytes, p50, p99, streamNanos, truncated && parts > 0);
    }

    /** Nearest rank, as CloudWatch's percentiles of raw values. */
    private static long percentile(int[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    /** The head with the parts reassembled (up to the cap): what the record captures and an idempotent replay sends. */
    synchronized ModelResponse response() {
        ModelResponse head = stream.head();
        return new ModelResponse(
                kept == null ? new byte[0] : kept.toByteArray(),
                head.contentType(),
                head.invokedProductionVariant(),
                head.customAttributes(),
                head.newSessionId(),
                head.closedSessionId());
    }

    synchronized TokenUsage tokens() {
        return tokens.usage();
    }
}
