package io.sagewatch.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.smallrye.config.ConfigMappingInterface;
import io.smallrye.config.ConfigMappings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md is the configuration reference: every property of {@link SagewatchConfig} is in its tables with
 * its default, and every {@code sagewatch.} key there exists. Map keys are written {@code <endpoint>} or {@code <name>}.
 */
class ConfigurationDocTest {

    private static final Pattern ROW = Pattern.compile("^\\| `(sagewatch\\.[^`]+)` \\| (`([^`]*)`|—) \\|.*");

    /** Every leaf property of the mapping, map keys as {@code *}, with its default (null: none). */
    static Map<String, String> mapping() {
        Map<String, String> properties = new TreeMap<>();
        ConfigMappings.getProperties(new ConfigMappings.ConfigClass(SagewatchConfig.class, "sagewatch"))
                .forEach((name, property) -> {
                    ConfigMappingInterface.Property leaf = property;
                    // a list's elements ("[*]") are documented with the list
                    if (leaf.isGroup() || name.endsWith("[*]")) {
                        return;
                    }
                    properties.put(name, leaf.hasDefaultValue() ? leaf.getDefaultValue() : null);
                });
        return properties;
    }

    static Map<String, String> documented() throws IOException {
        Map<String, String> rows = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("docs/configuration.md"))) {
            Matcher row = ROW.matcher(line);
            if (row.matches()) {
                String key = row.group(1).replaceAll("<[^>]+>", "*");
                assertThat(rows).as("documented twice: " + key).doesNotContainKey(key);
                rows.put(key, row.group(3));
            }
        }
        return rows;
    }

    @Test
    void everyPropertyIsDocumentedWithItsDefaultAndEveryDocumentedKeyExists() throws IOException {
        Map<String, String> mapping = mapping();
        Map<String, String> documented = documented();
        assertThat(mapping).as("the mapping's properties").hasSizeGreaterThan(50);
        assertThat(documented.keySet().stream()
                        .filter(key -> !mapping.containsKey(key))
                        .toList())
                .as("keys in docs/configuration.md that SagewatchConfig does not have")
                .isEmpty();
        assertThat(mapping.keySet().stream()
                        .filter(key -> !documented.containsKey(key))
                        .toList())
                .as("properties of SagewatchConfig missing from docs/configuration.md")
                .isEmpty();
        mapping.forEach((key, value) -> assertThat(documented.get(key))
                .as("the documented default of " + key)
                .isEqualTo(value));
    }
}
