package io.sagewatch.monitor.window;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.monitor.features.CsvRows;
import io.sagewatch.monitor.format.DatasetStatistics;
import io.sagewatch.monitor.format.FeatureStatistics;
import io.sagewatch.monitor.format.FeatureType;
import io.sagewatch.monitor.format.ModelMonitorJson;
import io.sagewatch.monitor.stats.WeightedValues;
import io.sagewatch.testing.Datasets;
import io.sagewatch.testing.PythonScript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class WindowAccumulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvRows ROWS = new CsvRows(Datasets.COLUMNS);

    @Test
    void statisticsAreModelMonitorsAndAgreeWithNumpy() throws Exception {
        String csv = Datasets.csv(3000, 1, 0);
        DatasetStatistics statistics = Datasets.accumulate(200, csv).toStatistics(List.of(), name -> null);
        assertThat(statistics.itemCount()).isEqualTo(3000);
        FeatureStatistics age = statistics.feature("age");
        FeatureStatistics income = statistics.feature("income");
        assertThat(age.inferredType()).isEqualTo(FeatureType.INTEGRAL);
        assertThat(income.inferredType()).isEqualTo(FeatureType.FRACTIONAL);
        assertThat(statistics.feature("color").inferredType()).isEqualTo(FeatureType.STRING);
        assertThat(income.numPresent() + income.numMissing()).isEqualTo(3000);
        assertThat(income.numMissing()).isPositive();

        double[] ages = Datasets.column(csv, 0);
        double[] incomes = Datasets.present(Datasets.column(csv, 1));
        JsonNode numpy = JSON.readTree(PythonScript.run(
                "monitor_reference.py", JSON.writeValueAsString(java.util.Map.of("std", List.of(ages, incomes)))));
        assertThat(age.numeric().stdDev()).isCloseTo(numpy.get("std").get(0).asDouble(), within(1e-9));
        assertThat(income.numeric().stdDev()).isCloseTo(numpy.get("std").get(1).asDouble(), within(1e-6));
        assertThat(age.numeric().mean())
                .isCloseTo(java.util.Arrays.stream(ages).average().orElseThrow(), within(1e-9));
        // the buckets hold every value, and the sketch stands for exactly num_present values
        assertThat(age.numeric().buckets().stream().mapToDouble(b -> b.count()).sum())
                .isEqualTo(3000.0);
        assertThat(age.numeric().sketch().total()).isEqualTo(3000);
        assertThat(statistics.feature("color").string().categories()).containsOnlyKeys("red", "blue", "green");
        assertThat(statistics.feature("color").string().categories().values().stream()
                        .mapToDouble(d -> d)
                        .sum())
                .isEqualTo(3000.0);
        // what is written is a statistics.json our own strict reader accepts
        DatasetStatistics reread = ModelMonitorJson.readStatistics(ModelMonitorJson.writeStatistics(statistics));
        assertThat(reread.feature("age").numeric().sketch().total()).isEqualTo(3000);
    }

    @Test
    void aBaselineBuiltFromADatasetRereadsAsTheSameDistribution() {
        String csv = Datasets.csv(20_000, 2, 0);
        DatasetStatistics statistics = Datasets.accumulate(2048, csv).toStatistics(List.of(), name -> null);
        DatasetStatistics reread = ModelMonitorJson.readStatistics(ModelMonitorJson.writeStatistics(statistics));
        double bound = KllDoublesSketch.getNormalizedRankError(2048, false);
        for (int column = 0; column < 2; column++) {
            String name = column == 0 ? "age" : "income";
            WeightedValues exact = WeightedValues.ofSample(Datasets.present(Datasets.column(csv, column)));
            assertThat(WeightedValues.linfDistance(
                            reread.feature(name).numeric().sketch(), exact))
                    .as(name)
                    .isLessThanOrEqualTo(bound);
        }
    }

    @Test
    void twoReplicasMergedAreOneThatSawEverything() {
        String first = Datasets.csv(150, 3, 0);
        String second = Datasets.csv(40, 4, 5);
        WindowAccumulator one = Datasets.accumulate(200, first + second);
        WindowAccumulator merged = WindowAccumulator.merged(
                200,
                List.of(
                        WindowAccumulator.fromBytes(
                                200, Datasets.accumulate(200, first).toBytes()),
                        WindowAccumulator.fromBytes(
                                200, Datasets.accumulate(200, second).toBytes())));
        // below the sketch's size nothing is compacted: the merge is exact, so the files are equal but for rounding
        DatasetStatistics expected = one.toStatistics(List.of(), name -> null);
        DatasetStatistics actual = merged.toStatistics(List.of(), name -> null);
        assertThat(actual.itemCount()).isEqualTo(expected.itemCount());
        for (FeatureStatistics feature : expected.features()) {
            FeatureStatistics other = actual.feature(feature.name());
            assertThat(other.numPresent()).isEqualTo(feature.numPresent());
            assertThat(other.numMissing()).isEqualTo(feature.numMissing());
            assertThat(other.string()).isEqualTo(feature.string());
            if (feature.numeric() != null) {
                assertThat(other.numeric().buckets())
                        .isEqualTo(feature.numeric().buckets());
                assertThat(other.numeric().min()).isEqualTo(feature.numeric().min());
                assertThat(other.numeric().sum()).isCloseTo(feature.numeric().sum(), within(1e-6));
                assertThat(other.numeric().stdDev()).isCloseTo(feature.numeric().stdDev(), within(1e-9));
                assertThat(WeightedValues.linfDistance(
                                other.numeric().sketch(), feature.numeric().sketch()))
                        .isZero();
            }
        }
    }

    @Test
    void clientChosenFeatureNamesAreBounded() {
        WindowAccumulator window = new WindowAccumulator(200);
        for (int i = 0; i < 300; i++) {
            window.number("field" + i, i, true, Integer.toString(i));
        }
        window.text("x".repeat(WindowAccumulator.MAX_FEATURE_NAME + 1), "too long a name");
        window.endRow();
        assertThat(window.featureNames()).hasSize(WindowAccumulator.MAX_FEATURES);
        assertThat(window.overflowed()).isTrue();
        WindowAccumulator merged = WindowAccumulator.merged(200, List.of(window, window));
        assertThat(merged.featureNames()).hasSize(WindowAccumulator.MAX_FEATURES);
        assertThat(merged.feature("field0").present()).isEqualTo(2);
    }

    @Test
    void manyMergesStayWithinTheSketchError() {
        WindowAccumulator whole = new WindowAccumulator(200);
        WindowAccumulator merged = new WindowAccumulator(200);
        StringBuilder all = new StringBuilder();
        for (int part = 0; part < 8; part++) {
            String csv = Datasets.csv(5000, 10 + part, part);
            all.append(csv);
            ROWS.extract(csv.getBytes(StandardCharsets.UTF_8), whole);
            merged.merge(WindowAccumulator.fromBytes(
                    200, Datasets.accumulate(200, csv).toBytes()));
        }
        assertThat(merged.rows()).isEqualTo(whole.rows()).isEqualTo(40_000);
        assertThat(merged.feature("age").present())
                .isEqualTo(whole.feature("age").present());
        WeightedValues exact = WeightedValues.ofSample(Datasets.column(all.toString(), 0));
        double bound = 2 * KllDoublesSketch.getNormalizedRankError(200, false);
        assertThat(WeightedValues.linfDistance(merged.feature("age").numbers(), exact))
                .isLessThanOrEqualTo(bound);
        assertThat(merged.feature("color").categories())
                .isEqualTo(whole.feature("color").categories());
    }
}
