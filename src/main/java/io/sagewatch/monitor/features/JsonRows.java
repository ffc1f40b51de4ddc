package io.sagewatch.monitor.features;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.json.Json;

/**
 * {@code application/json} (one document) or {@code application/jsonlines} (one per line): each record's features at
 * their JSON pointers. A records pointer (e.g. {@code /instances}) makes each element of that array a row; without
 * one, a document that is an array of objects or arrays is its rows, any other document is one row. With no features configured, every scalar field of a record object is a feature
 * (every element of a record array, named {@code _c0}, {@code _c1}, ...).
 */
public final class JsonRows implements RowExtractor {

    private static final ObjectMapper JSON = Json.MAPPER;

    private final Map<String, JsonPointer> features;
    private final JsonPointer records;
    private final boolean lines;

    /**
     * @param features feature name to JSON pointer within a record, in order; empty: every scalar field
     * @param recordsPointer where the array of records is, or null when the document is one record
     */
    public JsonRows(Map<String, String> features, String recordsPointer, boolean lines) {
        this.features = new LinkedHashMap<>();
        features.forEach((name, pointer) -> this.features.put(name, JsonPointer.compile(pointer)));
        this.records = recordsPointer == null || recordsPointer.isEmpty() ? null : JsonPointer.compile(recordsPointer);
        this.lines = lines;
    }

    @Override
    public int extract(byte[] payload, FeatureSink sink) {
        List<JsonNode> rows = new ArrayList<>();
        if (lines) {
            String text = new String(payload, StandardCharsets.UTF_8);
            int lineNumber = 0;
            for (String line : text.split("\r?\n")) {
                lineNumber++;
                if (!line.isBlank()) {
                    addRecords(parse(line.getBytes(StandardCharsets.UTF_8), "line " + lineNumber), rows);
                }
            }
        } else {
            addRecords(parse(payload, "the payload"), rows);
        }
        for (JsonNode row : rows) {
            if (features.isEmpty()) {
                putAll(row, sink);
            } else {
                features.forEach((name, pointer) -> put(sink, name, row.at(pointer)));
            }
            sink.endRow();
        }
        return rows.size();
    }

    private void addRecords(JsonNode document, List<JsonNode> rows) {
        if (records == null) {
            // a document that is an array of records (objects or arrays, as [[1, 2], [3, 4]]) is those records
            if (document.isArray() && !document.isEmpty() && document.get(0).isContainerNode()) {
                document.forEach(rows::add);
            } else {
                rows.add(document);
            }
            return;
        }
        JsonNode array = document.at(records);
        if (!array.isArray()) {
            throw new UnreadablePayloadException("no array of records at " + records);
        }
        array.forEach(rows::add);
    }

    private static JsonNode parse(byte[] bytes, String what) {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null) {
                throw new UnreadablePayloadException(what + " is empty");
            }
            return node;
        } catch (IOException e) {
            throw new UnreadablePayloadException(what + " is not JSON");
        }
    }

    private static void putAll(JsonNode row, FeatureSink sink) {
        if (row.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = row.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!field.getValue().isContainerNode()) {
                    put(sink, field.getKey(), field.getValue());
                }
            }
        } else if (row.isArray()) {
            for (int i = 0; i < row.size(); i++) {
                put(sink, "_c" + i, row.get(i));
            }
        } else {
            put(sink, "_c0", row);
        }
    }

    static void put(FeatureSink sink, String name, JsonNode value) {
        if (value.isMissingNode()) {
            sink.absent(name);
        } else if (value.isNull()) {
            sink.missing(name);
        } else if (value.isNumber()) {
            double number = value.doubleValue();
            if (Double.isFinite(number)) {
                sink.number(name, number, value.isIntegralNumber(), value.asText());
            } else {
                sink.text(name, value.asText());
            }
        } else if (value.isTextual()) {
            sink.text(name, value.textValue());
        } else if (value.isBoolean()) {
            sink.text(name, value.asText());
        } else {
            sink.text(name, value.toString()); // an object or array where a scalar was expected: a type mismatch
        }
    }
}
