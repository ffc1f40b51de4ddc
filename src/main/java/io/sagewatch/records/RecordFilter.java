package io.sagewatch.records;

import java.util.Map;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Narrows a listing to an outcome and a caller. Applied by DynamoDB after the key condition: a page holds at most
 * {@code limit} records read, fewer when some did not match (the next page goes on where it stopped).
 *
 * @param status SUCCEEDED, FAILED or IN_PROGRESS; null: any
 * @param caller the API key's name; null: any
 */
public record RecordFilter(String status, String caller) {

    public static final RecordFilter NONE = new RecordFilter(null, null);

    public boolean none() {
        return status == null && caller == null;
    }

    String expression(Map<String, String> names, Map<String, AttributeValue> values) {
        StringBuilder expression = new StringBuilder();
        if (status != null) {
            names.put("#status", "status");
            values.put(":status", AttributeValue.fromS(status));
            expression.append("#status = :status");
        }
        if (caller != null) {
            names.put("#caller", "caller");
            values.put(":caller", AttributeValue.fromS(caller));
            expression.append(expression.isEmpty() ? "" : " AND ").append("#caller = :caller");
        }
        return expression.toString();
    }
}
