package io.sagewatch.core;

import java.io.ByteArrayOutputStream;

/**
 * The lines of a streamed answer put back together across its parts (a part may end inside a line, or hold many), as
 * LLM containers stream them: server-sent events or JSON lines. A line longer than the bound is skipped whole, so
 * memory stays bounded whatever the model sends. One per stream, fed in order, not thread-safe.
 */
public final class StreamLines {

    /** Receives each whole line, without its line ending: {@code bytes[start, end)}. */
    @FunctionalInterface
    public interface Sink {
        void line(byte[] bytes, int start, int end);
    }

    private final int maxLineBytes;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private boolean skipping;

    public StreamLines(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    /** The lines this part completes. */
    public void feed(byte[] part, Sink sink) {
        int from = 0;
        for (int i = 0; i < part.length; i++) {
            if (part[i] == '\n') {
                append(part, from, i - from);
                end(sink);
                from = i + 1;
            }
        }
        append(part, from, part.length - from);
    }

    /** The last line, when the stream did not end with a line ending. */
    public void end(Sink sink) {
        if (!skipping && line.size() > 0) {
            byte[] bytes = line.toByteArray();
            int end = bytes.length;
            while (end > 0 && (bytes[end - 1] == '\r' || bytes[end - 1] == ' ')) {
                end--;
            }
            if (end > 0) {
                sink.line(bytes, 0, end);
            }
        }
        skipping = false;
        line.reset();
    }

    /**
     * Where a line's value starts: after an SSE {@code data:} field name and its spaces, else after leading
     * whitespace (a JSON line). Other SSE fields ({@code event:}, {@code id:}) and comments start with no {@code {}.
     */
    public static int valueStart(byte[] bytes, int start, int end) {
        while (start < end && Character.isWhitespace(bytes[start])) {
            start++;
        }
        if (end - start >= 5
                && bytes[start] == 'd'
                && bytes[start + 1] == 'a'
                && bytes[start + 2] == 't'
                && bytes[start + 3] == 'a'
                && bytes[start + 4] == ':') {
            start += 5;
            while (start < end && bytes[start] == ' ') {
                start++;
            }
        }
        return start;
    }

    private void append(byte[] bytes, int from, int length) {
        if (skipping || length == 0) {
            return;
        }
        if (line.size() + length > maxLineBytes) {
            skipping = true;
            line.reset();
            return;
        }
        line.write(bytes, from, length);
    }
}
