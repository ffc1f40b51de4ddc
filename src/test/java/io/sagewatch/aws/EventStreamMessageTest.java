package io.sagewatch.aws;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.testing.PythonScript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The event stream as boto3 reads it: written here, parsed by botocore; and read back here in any chunking. */
class EventStreamMessageTest {

    private static final List<EventStreamMessage> STREAM = List.of(
            EventStreamMessage.event(
                    "PayloadPart",
                    "application/octet-stream",
                    "data: {\"token\": {\"text\": \"Hel\"}}\n\n".getBytes(StandardCharsets.UTF_8)),
            EventStreamMessage.event("PayloadPart", "application/octet-stream", everyByte()),
            EventStreamMessage.event("PayloadPart", "application/octet-stream", new byte[0]),
            EventStreamMessage.exception(
                    "ModelStreamError",
                    "{\"Message\":\"the model failed\",\"ErrorCode\":\"424\"}".getBytes(StandardCharsets.UTF_8)));

    private static byte[] everyByte() {
        byte[] bytes = new byte[70_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    private static byte[] encoded(List<EventStreamMessage> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        messages.forEach(m -> out.writeBytes(m.encode()));
        return out.toByteArray();
    }

    @Test
    void botocoreReadsWhatIsWrittenWhateverTheChunking() throws Exception {
        String stream = Base64.getEncoder().encodeToString(encoded(STREAM));
        for (String step : List.of("13", "65536")) {
            List<JsonNode> parsed = new ArrayList<>();
            for (String line : PythonScript.run("eventstream_parse.py", stream, step)
                    .strip()
                    .split("\n")) {
                parsed.add(new ObjectMapper().readTree(line));
            }
            assertThat(parsed)
                    .as("messages botocore read, in chunks of " + step)
                    .hasSize(STREAM.size());
            for (int i = 0; i < STREAM.size(); i++) {
                EventStreamMessage sent = STREAM.get(i);
                JsonNode read = parsed.get(i);
                sent.headers()
                        .forEach((name, value) -> assertThat(
                                        read.path("headers").path(name).asText())
                                .as(name)
                                .isEqualTo(value));
                assertThat(Base64.getDecoder().decode(read.path("payload").asText()))
                        .isEqualTo(sent.payload());
            }
        }
    }

    @Test
    void theDecoderFindsEachMessageHoweverTheBytesArrive() {
        byte[] bytes = encoded(STREAM);
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            EventStreamMessage.Decoder decoder = new EventStreamMessage.Decoder();
            List<EventStreamMessage> read = new ArrayList<>();
            // chunks of 1 byte up to a whole message and more
            for (int at = 0; at < bytes.length; ) {
                int size = Math.min(bytes.length - at, 1 + random.nextInt(round < 10 ? 16 : 100_000));
                read.addAll(decoder.feed(Arrays.copyOfRange(bytes, at, at + size)));
                at += size;
            }
            assertThat(decoder.pendingBytes()).isZero();
            assertThat(read).hasSize(STREAM.size());
            for (int i = 0; i < STREAM.size(); i++) {
                assertThat(read.get(i).headers()).isEqualTo(STREAM.get(i).headers());
                assertThat(read.get(i).payload()).isEqualTo(STREAM.get(i).payload());
            }
        }
    }

    @Test
    void aCutOffMessageIsPendingNotLost() {
        byte[] message = STREAM.get(0).encode();
        EventStreamMessage.Decoder decoder = new EventStreamMessage.Decoder();
        assertThat(decoder.feed(Arrays.copyOf(message, message.length - 1))).isEmpty();
        assertThat(decoder.pendingBytes()).isEqualTo(message.length - 1);
        assertThat(decoder.feed(new byte[] {message[message.length - 1]})).hasSize(1);
        assertThat(decoder.pendingBytes()).isZero();
    }

    @Test
    void aDamagedStreamIsRefused() {
        byte[] payloadFlipped = STREAM.get(0).encode();
        payloadFlipped[payloadFlipped.length - 6] ^= 1;
        assertThatThrownBy(() -> new EventStreamMessage.Decoder().feed(payloadFlipped))
                .isInstanceOf(EventStreamMessage.MalformedStream.class)
                .hasMessageContaining("message checksum");
        byte[] lengthFlipped = STREAM.get(0).encode();
        lengthFlipped[3] ^= 1;
        assertThatThrownBy(() -> new EventStreamMessage.Decoder().feed(lengthFlipped))
                .isInstanceOf(EventStreamMessage.MalformedStream.class)
                .hasMessageContaining("prelude checksum");
    }

    @Test
    void headersOfEveryTypeAreRead() {
        // a message as another writer may send it: a boolean, an int and a timestamp header beside the strings
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        header(headers, ":message-type", (byte) 7, new byte[] {0, 5, 'e', 'v', 'e', 'n', 't'});
        header(headers, "flag", (byte) 0, new byte[0]);
        header(headers, "count", (byte) 4, new byte[] {0, 0, 1, 0});
        header(headers, ":date", (byte) 8, new byte[] {0, 0, 0, 0, 0, 0, 3, (byte) 0xE8});
        byte[] message = frame(headers.toByteArray(), "x".getBytes(StandardCharsets.UTF_8));
        EventStreamMessage read = new EventStreamMessage.Decoder().feed(message).get(0);
        assertThat(read.headers())
                .isEqualTo(Map.of(":message-type", "event", "flag", "true", "count", "256", ":date", "1000"));
    }

    private static void header(ByteArrayOutputStream out, String name, byte type, byte[] value) {
        out.write(name.length());
        out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
        out.write(type);
        out.writeBytes(value);
    }

    /** Frames raw headers and a payload as the encoding says, independently of encode(). */
    private static byte[] frame(byte[] headers, byte[] payload) {
        int total = 12 + headers.length + payload.length + 4;
        java.nio.ByteBuffer out =
                java.nio.ByteBuffer.allocate(total).putInt(total).putInt(headers.length);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(out.array(), 0, 8);
        out.putInt((int) crc.getValue()).put(headers).put(payload);
        crc.reset();
        crc.update(out.array(), 0, total - 4);
        return out.putInt((int) crc.getValue()).array();
    }
}
