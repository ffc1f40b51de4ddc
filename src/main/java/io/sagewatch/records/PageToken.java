package io.sagewatch.records;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import io.sagewatch.core.InferenceError;
import io.sagewatch.table.InferenceTable;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import static io.sagewatch.table.InferenceTable.ENDPOINT;
import static io.sagewatch.table.InferenceTable.INFERENCE_ID;
import static io.sagewatch.table.InferenceTable.RECEIVED_AT;
import static io.sagewatch.table.InferenceTable.REQUEST_ID;

/**
 * The opaque {@code next} token of a record listing: DynamoDB's LastEvaluatedKey, versioned and base64url-encoded.
 * A token only continues the listing of the endpoint it was issued for.
 */
public final class PageToken {

    private static final String VERSION = "v1";
    private static final String SEPARATOR = "\n";

    private PageToken() {}

    static String encode(Map<String, AttributeValue> lastKey) {
        // Inference ids are printable, so a newline cannot occur inside a field; the id goes last anyway.
        String plain = String.join(
                SEPARATOR,
                VERSION,
                lastKey.get(ENDPOINT).s(),
                lastKey.get(RECEIVED_AT).s(),
                lastKey.get(REQUEST_ID).s(),
                lastKey.get(INFERENCE_ID).s());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, AttributeValue> decode(String token, String endpoint) {
        String[] fields;
        try {
            fields = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split(SEPARATOR, 5);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        if (fields.length != 5
                || !VERSION.equals(fields[0])
                || fields[3].isEmpty()
                || fields[4].isEmpty()
                || !isTimestamp(fields[2])) {
            throw invalid();
        }
        if (!fields[1].equals(endpoint)) {
            throw InferenceError.validation("The pagination token 'next' was issued for another endpoint");
        }
        return Map.of(
                ENDPOINT,
                AttributeValue.fromS(fields[1]),
                RECEIVED_AT,
                AttributeValue.fromS(fields[2]),
                REQUEST_ID,
                AttributeValue.fromS(fields[3]),
                INFERENCE_ID,
                AttributeValue.fromS(fields[4]));
    }

    private static boolean isTimestamp(String value) {
        try {
            InferenceTable.TIMESTAMP.parse(value);
            return true;
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    private static InferenceError invalid() {
        return InferenceError.validation(
                "The pagination token 'next' is not valid: pass the 'next' value of the previous page unchanged");
    }
}
