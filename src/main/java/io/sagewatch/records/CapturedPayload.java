package io.sagewatch.records;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A payload kept in the record: text as text, anything else as base64, cut at the configured cap.
 *
 * @param encoding "utf-8" or "base64"
 * @param bytes the payload's full size, before any cut
 */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CapturedPayload(String encoding, String data, boolean truncated, long bytes) {

    public static CapturedPayload of(byte[] payload, String contentType, int maxBytes) {
        return of(payload, contentType, maxBytes, payload.length);
    }

    /** {@code fullBytes}: the payload's size when {@code payload} is already a prefix of it (a reassembled stream). */
    public static CapturedPayload of(byte[] payload, String contentType, int maxBytes, long fullBytes) {
        boolean truncated = payload.length > maxBytes || fullBytes > payload.length;
        byte[] kept = truncated ? Arrays.copyOf(payload, maxBytes) : payload;
        if (isText(contentType)) {
            String text = decodeUtf8(kept, truncated);
            if (text != null) {
                return new CapturedPayload("utf-8", text, truncated, Math.max(fullBytes, payload.length));
            }
        }
        return new CapturedPayload(
                "base64", Base64.getEncoder().encodeToString(kept), truncated, Math.max(fullBytes, payload.length));
    }

    private static boolean isText(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.toLowerCase();
        return type.startsWith("text/")
                || type.contains("json")
                || type.contains("csv")
                || type.contains("xml")
                || type.contains("x-www-form-urlencoded");
    }

    /** Null unless valid UTF-8; a cut may split the last character, which is then dropped. */
    private static String decodeUtf8(byte[] bytes, boolean truncated) {
        var decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int length = bytes.length;
        for (int dropped = 0; dropped <= (truncated ? 3 : 0) && length - dropped >= 0; dropped++) {
            try {
                return decoder.reset()
                        .decode(ByteBuffer.wrap(bytes, 0, length - dropped))
                        .toString();
            } catch (CharacterCodingException e) {
                // try one byte shorter: the cut may have split a multi-byte character
            }
        }
        return null;
    }
}
