package io.sagewatch.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

class StreamLinesTest {

    private static List<String> lines(int max, String... parts) {
        List<String> lines = new ArrayList<>();
        StreamLines.Sink sink =
                (bytes, start, end) -> lines.add(new String(bytes, start, end - start, StandardCharsets.UTF_8));
        StreamLines stream = new StreamLines(max);
        for (String part : parts) {
            stream.feed(part.getBytes(StandardCharsets.UTF_8), sink);
        }
        stream.end(sink);
        return lines;
    }

    @Test
    void linesCutAcrossPartsComeOutWhole() {
        assertThat(lines(1024, "data: {\"a\"", ":1}\r\n\r\ndata: {\"b\":2}\n\nda", "ta: [DONE]"))
                .containsExactly("data: {\"a\":1}", "data: {\"b\":2}", "data: [DONE]");
    }

    @Test
    void aLineOverTheBoundIsSkippedWholeAndTheNextIsKept() {
        assertThat(lines(8, "0123456", "789abc\nshort\n")).containsExactly("short");
    }

    @Test
    void theValueOfADataLineOrAJsonLineStartsAtItsBrace() {
        byte[] sse = "data:  {\"x\":1}".getBytes(StandardCharsets.UTF_8);
        assertEquals(7, StreamLines.valueStart(sse, 0, sse.length));
        byte[] json = "  {\"x\":1}".getBytes(StandardCharsets.UTF_8);
        assertEquals(2, StreamLines.valueStart(json, 0, json.length));
        byte[] event = "event: ping".getBytes(StandardCharsets.UTF_8);
        assertEquals('e', event[StreamLines.valueStart(event, 0, event.length)]);
    }
}
