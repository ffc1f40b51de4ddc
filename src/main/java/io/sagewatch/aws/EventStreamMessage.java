package io.sagewatch.aws;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32;

/**
 * One message of AWS's event stream encoding ({@code application/vnd.amazon.eventstream}), the framing of
 * InvokeEndpointWithResponseStream's answer: a prelude (total length, headers length, their CRC32), the headers, the
 * payload, and a CRC32 of everything before it. SageMaker's stream sends {@code PayloadPart} events and, inside the
 * stream, {@code ModelStreamError} and {@code InternalStreamFailure} exceptions; all with string headers. Headers of
 * the other types are read (as their text), never written.
 */
public record EventStreamMessage(Map<String, String> headers, byte[] payload) {

    /** The service's limits: 16 MB of payload, 128 KB of headers. */
    public static final int MAX_PAYLOAD = 16 * 1024 * 1024;

    public static final int MAX_HEADERS = 128 * 1024;
    private static final int PRELUDE = 12;
    private static final int TRAILER = 4;
    private static final byte STRING = 7;

    public EventStreamMessage {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /** An event: {@code :message-type event}, its type and its payload's content type. */
    public static EventStreamMessage event(String eventType, String contentType, byte[] payload) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":event-type", eventType);
        headers.put(":content-type", contentType);
        headers.put(":message-type", "event");
        return new EventStreamMessage(headers, payload);
    }

    /** An exception inside the stream: {@code :message-type exception}, its type, a JSON payload. */
    public static EventStreamMessage exception(String exceptionType, byte[] json) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":exception-type", exceptionType);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "exception");
        return new EventStreamMessage(headers, json);
    }

    public String header(String name) {
        return headers.get(name);
    }

    /** The wire form. */
    public byte[] encode() {
        ByteArrayOutputStream encodedHeaders = new ByteArrayOutputStream();
        headers.forEach((name, value) -> {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            if (n.length > 255 || v.length > 0xFFFF) {
                throw new IllegalArgumentException("header too long: " + name);
            }
            encodedHeaders.write(n.length);
            encodedHeaders.writeBytes(n);
            encodedHeaders.write(STRING);
            encodedHeaders.write(v.length >>> 8);
            encodedHeaders.write(v.length & 0xFF);
            encodedHeaders.writeBytes(v);
        });
        if (encodedHeaders.size() > MAX_HEADERS || payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("message over the event stream's limits");
        }
        int total = PRELUDE + encodedHeaders.size() + payload.length + TRAILER;
        ByteBuffer out = ByteBuffer.allocate(total);
        out.putInt(total).putInt(encodedHeaders.size());
        out.putInt((int) crc(out.array(), 0, 8));
        out.put(encodedHeaders.toByteArray()).put(payload);
        out.putInt((int) crc(out.array(), 0, total - TRAILER));
        return out.array();
    }

    private static long crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }

    /** A stream that is not a valid event stream: a bad length, a checksum that fails, a header cut short. */
    public static final class MalformedStream extends RuntimeException {
        public MalformedStream(String message) {
            super(message);
        }
    }

    /**
     * Splits a byte stream into messages as they complete: a message may arrive in pieces, or several in one chunk.
     * Holds at most one incomplete message (bounded by the limits above). Not thread-safe: one per stream.
     */
    public static final class Decoder {

        /** Received bytes not yet part of a complete message: buffer[start, end). */
        private byte[] buffer = new byte[0];

        private int start;
        private int end;

        /** The messages completed by this chunk, in order; fails on the first malformed one. */
        public List<EventStreamMessage> feed(byte[] chunk) {
            append(chunk);
            List<EventStreamMessage> messages = new ArrayList<>();
            while (end - start >= PRELUDE) {
                ByteBuffer prelude = ByteBuffer.wrap(buffer, start, PRELUDE);
                int total = prelude.getInt();
                int headersLength = prelude.getInt();
                int preludeCrc = prelude.getInt();
                if ((int) crc(buffer, start, 8) != preludeCrc) {
                    throw new MalformedStream("prelude checksum failed");
                }
                if (headersLength < 0
                        || headersLength > MAX_HEADERS
                        || total < PRELUDE + headersLength + TRAILER
                        || total - PRELUDE - headersLength - TRAILER > MAX_PAYLOAD) {
                    throw new MalformedStream("impossible lengths: total " + total + ", headers " + headersLength);
                }
                if (end - start < total) {
                    break;
                }
                int messageCrc = ByteBuffer.wrap(buffer, start + total - TRAILER, TRAILER)
                        .getInt();
                if ((int) crc(buffer, start, total - TRAILER) != messageCrc) {
                    throw new MalformedStream("message checksum failed");
                }
                Map<String, String> headers = headers(buffer, start + PRELUDE, headersLength);
                messages.add(new EventStreamMessage(
                        headers, Arrays.copyOfRange(buffer, start + PRELUDE + headersLength, start + total - TRAILER)));
                start += total;
            }
            if (start == end) {
                start = 0;
                end = 0;
            }
            return messages;
        }

        /** Bytes of a message not yet complete: none at a clean end of stream. */
        public int pendingBytes() {
            return end - start;
        }

        /** Amortised: a message arriving in many small chunks is copied a bounded number of times, not per chunk. */
        private void append(byte[] chunk) {
            if (end + chunk.length > buffer.length) {
                int live = end - start;
                byte[] target = live + chunk.length <= buffer.length / 2
                        ? buffer
                        : new byte[Math.max(buffer.length * 2, live + chunk.length)];
                System.arraycopy(buffer, start, target, 0, live);
                buffer = target;
                start = 0;
                end = live;
            }
            System.arraycopy(chunk, 0, buffer, end, chunk.length);
            end += chunk.length;
        }

        private static Map<String, String> headers(byte[] data, int from, int length) {
            Map<String, String> headers = new LinkedHashMap<>();
            ByteBuffer in = ByteBuffer.wrap(data, from, length);
            try {
                while (in.hasRemaining()) {
                    byte[] name = new byte[in.get() & 0xFF];
                    in.get(name);
                    byte type = in.get();
                    String value = switch (type) {
                        case 0 -> "true";
                        case 1 -> "false";
                        case 2 -> Byte.toString(in.get());
                        case 3 -> Short.toString(in.getShort());
                        case 4 -> Integer.toString(in.getInt());
                        case 5, 8 -> Long.toString(in.getLong()); // 8: a timestamp, in milliseconds
                        case 6, 7 -> {
                            byte[] bytes = new byte[in.getShort() & 0xFFFF];
                            in.get(bytes);
                            yield type == STRING
                                    ? new String(bytes, StandardCharsets.UTF_8)
                                    : Base64.getEncoder().encodeToString(bytes);
                        }
                        case 9 -> new UUID(in.getLong(), in.getLong()).toString();
                        default -> throw new MalformedStream("unknown header type " + type);
                    };
                    headers.put(new String(name, StandardCharsets.UTF_8), value);
                }
            } catch (BufferUnderflowException e) {
                throw new MalformedStream("a header runs past the headers' length");
            }
            return headers;
        }
    }
}
