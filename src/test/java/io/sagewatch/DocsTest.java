package io.sagewatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.sagewatch.core.InferenceFields;
import io.sagewatch.metrics.InferenceMeters;

import static org.assertj.core.api.Assertions.assertThat;

/** The reference docs say what the code does: every quantity with its one name, every meter. */
class DocsTest {

    static String read(String path) throws IOException {
        return Files.readString(Path.of(path));
    }

    /** The rows of the Markdown tables in a doc. */
    static List<String> rows(String doc) {
        return doc.lines()
                .filter(line -> line.startsWith("|") && !line.startsWith("|---"))
                .toList();
    }

    @Test
    void everyFieldOfARecordAndALogLineIsInTheRecordsFieldTable() throws IOException {
        String fields = String.join("\n", rows(read("docs/records.md")));
        List<String> missing = new ArrayList<>();
        Stream.concat(
                        InferenceFields.ALL.stream().map(InferenceFields.Field::name),
                        Stream.of("input", "output", "expires_at"))
                .distinct()
                .filter(name -> !fields.contains("`" + name + "`"))
                .forEach(missing::add);
        assertThat(missing)
                .as("fields missing from docs/records.md's field table")
                .isEmpty();
    }

    @Test
    void everyMeasuredFieldHasItsMeterInTheSameRowOfTheMetricsTable() throws IOException {
        List<String> rows = rows(read("docs/metrics.md"));
        for (InferenceFields.Field field : InferenceFields.ALL) {
            if (field.meter() == null) {
                continue;
            }
            assertThat(InferenceMeters.NAMES).as("the meter of " + field.name()).contains(field.meter());
            assertThat(rows)
                    .as(field.name() + " and its meter " + field.meter() + " in one row of docs/metrics.md")
                    .anyMatch(row -> row.contains("`" + field.name() + "`") && row.contains("`" + field.meter() + "`"));
        }
    }

    @Test
    void everyMeterIsInTheMetricsTables() throws IOException {
        String metrics = String.join("\n", rows(read("docs/metrics.md")))
                + String.join("\n", rows(read("docs/model-health.md")));
        assertThat(InferenceMeters.NAMES.stream()
                        .filter(name -> !metrics.contains("`" + name + "`"))
                        .toList())
                .as("meters missing from docs/metrics.md and docs/model-health.md")
                .isEmpty();
    }
}
