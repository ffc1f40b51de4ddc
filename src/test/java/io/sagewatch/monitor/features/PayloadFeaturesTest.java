package io.sagewatch.monitor.features;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sagewatch.testing.RecordedRows;

import static io.sagewatch.monitor.features.CsvRowsTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PayloadFeaturesTest {

    private final PayloadFeatures features = new PayloadFeatures(
            Map.of(PayloadFormat.CSV, new CsvRows(List.of("x", "y"))),
            Map.of(
                    PayloadFormat.JSON,
                    new JsonRows(Map.of("score", "/score"), "/predictions", false),
                    PayloadFormat.CSV,
                    new CsvRows(List.of("score"))));

    @Test
    void theOutputsRowsJoinTheInputsByPosition() {
        RecordedRows sink = new RecordedRows();
        int rows = features.extract(
                new Sample(
                        bytes("1,2\n3,4\n5,6\n"),
                        "text/csv",
                        bytes("{\"predictions\": [{\"score\": 0.9}, {\"score\": 0.1}]}"),
                        "application/json; charset=utf-8",
                        null,
                        null,
                        false),
                sink);
        assertThat(rows).isEqualTo(3);
        assertThat(sink.rows())
                .containsExactly(
                        "x=int:1, y=int:2, score=num:0.9",
                        "x=int:3, y=int:4, score=num:0.1",
                        "x=int:5, y=int:6, score=absent");
    }

    @Test
    void aContentTypeWithNoExtractorIsUnreadable() {
        RecordedRows sink = new RecordedRows();
        assertThatThrownBy(() -> features.extract(
                        new Sample(bytes("{}"), "application/json", bytes("0.5"), "text/csv", null, null, false), sink))
                .isInstanceOf(UnreadablePayloadException.class)
                .hasMessage("the input content type application/json is not read");
        assertThatThrownBy(() -> features.extract(
                        new Sample(bytes("1,2"), "text/csv", bytes("{"), "application/json", null, null, false), sink))
                .isInstanceOf(UnreadablePayloadException.class);
        assertThat(sink.rows()).isEmpty();
        assertThat(PayloadFormat.ofContentType("application/x-ndjson")).isEqualTo(PayloadFormat.JSON_LINES);
        assertThat(PayloadFormat.ofContentType("application/vnd.api+json")).isEqualTo(PayloadFormat.JSON);
        assertThat(PayloadFormat.ofContentType("image/png")).isNull();
    }
}
