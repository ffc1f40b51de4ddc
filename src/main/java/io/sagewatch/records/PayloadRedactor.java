package io.sagewatch.records;

import java.io.IOException;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.sagewatch.config.SagewatchConfig;

/**
 * Removes configured fields from a payload before it is captured in a record: each JSON pointer's value becomes
 * "[REDACTED]". When redaction is configured, what cannot be parsed as JSON (or is too large to parse on the request
 * path) is not captured at all: a secret must not slip through because its payload was malformed.
 */
@ApplicationScoped
public class PayloadRedactor {

    static final TextNode REDACTED = TextNode.valueOf("[REDACTED]");
    /** Larger payloads are not parsed (the cost would land on the request path): with redaction on, not captured. */
    static final int MAX_PARSED_BYTES = 1024 * 1024;

    private final List<JsonPointer> pointers;
    private final ObjectMapper json;

    PayloadRedactor(SagewatchConfig config, ObjectMapper json) {
        this.pointers = config.capture().redactPointers().orElse(List.of()).stream()
                .map(JsonPointer::compile)
                .toList();
        this.json = json;
    }

    /** The payload to capture: as is, redacted, or null (not to be captured). */
    public byte[] redact(byte[] payload) {
        if (pointers.isEmpty()) {
            return payload;
        }
        if (payload.length > MAX_PARSED_BYTES) {
            return null;
        }
        JsonNode root;
        try {
            root = json.readTree(payload);
        } catch (IOException e) {
            return null;
        }
        if (root == null || !root.isContainerNode()) {
            return null;
        }
        for (JsonPointer pointer : pointers) {
            JsonNode parent = root.at(pointer.head());
            String last = pointer.last().getMatchingProperty();
            if (parent instanceof ObjectNode object && object.has(last)) {
                object.set(last, REDACTED);
            } else if (parent instanceof ArrayNode array
                    && pointer.last().mayMatchElement()
                    && pointer.last().getMatchingIndex() < array.size()) {
                array.set(pointer.last().getMatchingIndex(), REDACTED);
            }
        }
        try {
            return json.writeValueAsBytes(root);
        } catch (IOException e) {
            return null;
        }
    }
}
