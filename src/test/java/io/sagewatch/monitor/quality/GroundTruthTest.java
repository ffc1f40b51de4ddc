package io.sagewatch.monitor.quality;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Ground truth as clients send it, and predictions as models answer them. */
class GroundTruthTest {

    @Test
    void modelMonitorGroundTruthLinesAreReadUnchanged() {
        String body = """
                {"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "a-1"}, "eventVersion": "0"}
                {"groundTruthData": {"data": "[0, 1.0, \\"cat\\"]", "encoding": "JSON"}, "eventMetadata": {"eventId": "a-2"}, "eventVersion": "0"}

                {"groundTruthData": {"data": "2,3", "encoding": "CSV"}, "eventMetadata": {"eventId": "a-3"}}
                {"groundTruthData": {"data": "1", "encoding": "BASE64"}, "eventMetadata": {"eventId": "a-4"}, "eventVersion": "0"}
                not json
                {"groundTruthData": {"data": "1"}, "eventMetadata": {}, "eventVersion": "0"}
                {"groundTruthData": {"data": "1"}, "eventMetadata": {"eventId": "a-5"}, "eventVersion": "1"}
                """;
        GroundTruth.Batch batch = GroundTruth.parse(body.getBytes(StandardCharsets.UTF_8), "application/jsonlines");
        assertThat(batch.labels())
                .containsExactly(
                        new GroundTruth.Label(1, "a-1", List.of("1")),
                        new GroundTruth.Label(2, "a-2", List.of("0", "1", "cat")),
                        new GroundTruth.Label(4, "a-3", List.of("2", "3")));
        assertThat(batch.rejected()).extracting(GroundTruth.Rejected::line).containsExactly(5, 6, 7, 8);
        assertThat(batch.rejected().get(0).problem()).contains("BASE64");
        assertThat(batch.rejected().get(2).problem()).contains("eventId");
        assertThat(batch.rejected().get(3).problem()).contains("eventVersion");
    }

    @Test
    void csvRowsWithAnOptionalHeader() {
        GroundTruth.Batch batch = GroundTruth.parse(
                "inference_id,label\r\nx,1\r\n\"y\",\"1.50\"\r\nz\r\nw,\"1,0\"\r\n".getBytes(StandardCharsets.UTF_8),
                "text/csv; charset=utf-8");
        assertThat(batch.labels())
                .containsExactly(
                        new GroundTruth.Label(2, "x", List.of("1")),
                        new GroundTruth.Label(3, "y", List.of("1.5")),
                        new GroundTruth.Label(5, "w", List.of("1", "0")));
        assertThat(batch.rejected())
                .singleElement()
                .extracting(GroundTruth.Rejected::line)
                .isEqualTo(4);
        assertThat(GroundTruth.parse("a,1\n".getBytes(StandardCharsets.UTF_8), "text/csv")
                        .labels())
                .hasSize(1);
    }

    @Test
    void predictionsAreReadWhereTheSettingsSay() {
        QualitySettings binary = settings(ProblemType.BINARY, "/score", null);
        PredictionReader reader = new PredictionReader(binary);
        assertThat(reader.read(bytes("{\"score\": 0.7}"), "application/json"))
                .containsExactly(new Prediction("1", 0.7));
        assertThat(reader.read(bytes("[{\"score\": 0.2}, {\"score\": \"0.9\"}]"), "application/json"))
                .containsExactly(new Prediction("0", 0.2), new Prediction("1", 0.9));
        assertThat(reader.read(bytes("{\"score\": [0.1, 0.95]}"), "application/json"))
                .containsExactly(new Prediction("0", 0.1), new Prediction("1", 0.95));
        assertThat(reader.read(bytes("{\"score\": 0.6}\n{\"score\": 0.4}\n"), "application/jsonlines"))
                .containsExactly(new Prediction("1", 0.6), new Prediction("0", 0.4));
        assertThat(reader.read(bytes("{\"other\": 1}"), "application/json")).isEmpty();
        assertThat(reader.read(bytes("{broken"), "application/json")).isEmpty();

        PredictionReader csv = new PredictionReader(settings(ProblemType.MULTICLASS, null, "1"));
        assertThat(csv.read(bytes("0.9,cat\n0.8,2.0\n"), "text/csv"))
                .containsExactly(new Prediction("cat", Double.NaN), new Prediction("2", Double.NaN));
        assertThat(csv.read(bytes("0.9\n"), "text/csv")).isEmpty();

        PredictionReader regression = new PredictionReader(settings(ProblemType.REGRESSION, null, "/value"));
        assertThat(regression.read(bytes("{\"value\": 3.50}"), "application/json"))
                .containsExactly(new Prediction("3.5", Double.NaN));
        assertThat(regression.read(bytes("{\"value\": \"high\"}"), "application/json"))
                .isEmpty();
    }

    @Test
    void numbersAreOneSpellingAndHugeOnesStayCheap() {
        assertThat(PredictionReader.canonical("1.0")).isEqualTo("1");
        assertThat(PredictionReader.canonical("1e0")).isEqualTo("1");
        assertThat(PredictionReader.canonical("0.50")).isEqualTo("0.5");
        assertThat(PredictionReader.canonical("cat")).isEqualTo("cat");
        // exponents that would take minutes and megabytes to write out in full: kept as a label, at once
        assertThat(PredictionReader.canonical("1e500000000")).isEqualTo("1E+500000000");
        assertThat(PredictionReader.canonical("1e-999999999999")).isEqualTo("1e-999999999999");
        GroundTruth.Batch batch = GroundTruth.parse(
                "{\"groundTruthData\":{\"data\":\"[\\\"1.0\\\", 2.50]\",\"encoding\":\"JSON\"},\"eventMetadata\":{\"eventId\":\"a\"}}"
                        .getBytes(StandardCharsets.UTF_8),
                "application/jsonlines");
        assertThat(batch.labels().get(0).values()).containsExactly("1", "2.5");
    }

    private static QualitySettings settings(ProblemType type, String probability, String inference) {
        return new QualitySettings(
                "e", type, probability, inference, 0.5, "1", Duration.ofHours(1), Duration.ofHours(1), "e");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
