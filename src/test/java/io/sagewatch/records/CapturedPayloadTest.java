package io.sagewatch.records;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CapturedPayloadTest {

    @Test
    void textStaysTextAndOtherBytesGoBase64() {
        assertEquals(
                "utf-8",
                CapturedPayload.of("{\"a\":1}".getBytes(), "application/json", 100)
                        .encoding());
        assertEquals(
                "utf-8", CapturedPayload.of("a,b".getBytes(), "text/csv", 100).encoding());
        assertEquals(
                "base64",
                CapturedPayload.of("abc".getBytes(), "application/x-npy", 100).encoding());
        assertEquals("base64", CapturedPayload.of("abc".getBytes(), null, 100).encoding());
        // declared as JSON but not valid UTF-8: kept exactly, as base64
        assertEquals(
                "base64",
                CapturedPayload.of(new byte[] {(byte) 0xc3}, "application/json", 100)
                        .encoding());
    }

    @Test
    void aCutNeverSplitsACharacter() {
        byte[] euros = "€€€".getBytes(StandardCharsets.UTF_8); // 3 bytes each
        CapturedPayload cut = CapturedPayload.of(euros, "text/plain", 7);
        assertEquals("€€", cut.data());
        assertTrue(cut.truncated());
        assertEquals(9, cut.bytes());
        assertFalse(CapturedPayload.of(euros, "text/plain", 9).truncated());
    }
}
