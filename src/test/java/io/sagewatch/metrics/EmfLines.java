package io.sagewatch.metrics;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** EMF lines parsed back and checked the way CloudWatch Logs reads them: the schema, then the cross-references. */
public final class EmfLines {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchema SCHEMA;

    static {
        try (InputStream schema = EmfLines.class.getResourceAsStream("/emf-schema.json")) {
            SCHEMA = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schema);
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private EmfLines() {}

    public static JsonNode parseValid(String line) {
        try {
            JsonNode root = JSON.readTree(line);
            Set<ValidationMessage> errors = SCHEMA.validate(root);
            assertTrue(errors.isEmpty(), "EMF schema: " + errors + " in " + line);
            for (JsonNode directive : root.path("_aws").path("CloudWatchMetrics")) {
                for (JsonNode set : directive.path("Dimensions")) {
                    for (JsonNode key : set) {
                        assertTrue(root.path(key.asText()).isTextual(), "dimension " + key + " is a string member");
                    }
                }
                for (JsonNode metric : directive.path("Metrics")) {
                    JsonNode value = root.path(metric.path("Name").asText());
                    assertTrue(value.isNumber() || value.isArray(), metric + " has a value");
                    if (value.isArray()) {
                        assertTrue(value.size() <= 100, "at most 100 values: " + value.size());
                        value.forEach(v -> assertTrue(v.isNumber()));
                    }
                }
            }
            return root;
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    /** Every value of a metric across lines (a number counts as one value). */
    static List<Double> values(List<JsonNode> lines, String metric) {
        List<Double> values = new ArrayList<>();
        for (JsonNode line : lines) {
            JsonNode value = line.path(metric);
            if (value.isNumber()) {
                values.add(value.asDouble());
            } else if (value.isArray()) {
                value.forEach(v -> values.add(v.asDouble()));
            }
        }
        return values;
    }

    /** The line's dimension sets, each as its list of keys. */
    static List<List<String>> dimensionSets(JsonNode line) {
        List<List<String>> sets = new ArrayList<>();
        for (JsonNode set : line.path("_aws").path("CloudWatchMetrics").get(0).path("Dimensions")) {
            List<String> keys = new ArrayList<>();
            set.forEach(k -> keys.add(k.asText()));
            sets.add(keys);
        }
        return sets;
    }

    /** An inference meter's line: its tags, the rollup without variant, and service alone. */
    static void assertInferenceDimensions(JsonNode line) {
        assertEquals(
                List.of(List.of("endpoint", "service", "variant"), List.of("endpoint", "service"), List.of("service")),
                dimensionSets(line));
    }
}
