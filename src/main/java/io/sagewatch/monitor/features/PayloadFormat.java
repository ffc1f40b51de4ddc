package io.sagewatch.monitor.features;

import java.util.Locale;

/** How a payload's rows are laid out. */
public enum PayloadFormat {
    CSV,
    JSON,
    JSON_LINES;

    /** From a Content-Type, ignoring its parameters; null when it is none of the three. */
    public static PayloadFormat ofContentType(String contentType) {
        if (contentType == null) {
            return null;
        }
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return switch (type) {
            case "text/csv" -> CSV;
            case "application/json" -> JSON;
            case "application/jsonlines", "application/x-jsonlines", "application/jsonl", "application/x-ndjson" ->
                JSON_LINES;
            default -> type.endsWith("+json") ? JSON : null;
        };
    }
}
