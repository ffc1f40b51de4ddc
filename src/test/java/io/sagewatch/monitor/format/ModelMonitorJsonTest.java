package io.sagewatch.monitor.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.monitor.format.MonitoringConfig.CategoricalDriftMethod;
import io.sagewatch.monitor.format.MonitoringConfig.ComparisonMethod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Model Monitor's files as its analyzer container writes them (fixtures in its exact layout), read and written. */
class ModelMonitorJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static byte[] resource(String name) {
        try (InputStream in = ModelMonitorJsonTest.class.getResourceAsStream("/monitor/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void readsAStatisticsFile() {
        DatasetStatistics statistics = ModelMonitorJson.readStatistics(resource("statistics.json"));
        assertThat(statistics.itemCount()).isEqualTo(14);
        FeatureStatistics age = statistics.feature("age");
        assertThat(age.inferredType()).isEqualTo(FeatureType.INTEGRAL);
        assertThat(age.numPresent()).isEqualTo(13);
        assertThat(age.completeness()).isEqualTo(13 / 14.0);
        assertThat(age.numeric().sketch().total()).isEqualTo(13);
        // level 1 items weigh 2, level 2 items 4: value 3 stands for 1 + 4
        assertThat(age.numeric().sketch().rankInclusive(3)
                        - age.numeric().sketch().rankExclusive(3))
                .isEqualTo(5);
        assertThat(age.numeric().sketchK()).isEqualTo(2048.0);
        assertThat(age.numeric().buckets()).hasSize(10);
        // the file's buckets are what Deequ's rule computes from its sketch
        assertThat(NumericStatistics.buckets(age.numeric().sketch(), 1, 5))
                .extracting(NumericStatistics.Bucket::count)
                .containsExactly(1.0, 0.0, 3.0, 0.0, 0.0, 5.0, 0.0, 3.0, 0.0, 1.0);
        assertThat(statistics.feature("income").numeric().mean()).isEqualTo(5.4322832E7);
        assertThat(statistics.feature("color").string().categories())
                .containsEntry("red", 8.0)
                .containsEntry("blue", 4.0)
                .hasSize(3);
        assertThat(statistics.feature("review_body").string().categories()).isNull();
        assertThat(statistics.feature("review_body").string().distinctCount()).isEqualTo(14.0);
    }

    @Test
    void readsAConstraintsFileWithTheContainersDefaultsAndBothOverrideSpellings() {
        Constraints constraints = ModelMonitorJson.readConstraints(resource("constraints.json"));
        MonitoringConfig global = constraints.monitoringConfig();
        assertThat(global.comparisonMethod()).isEqualTo(ComparisonMethod.ROBUST);
        assertThat(global.datatypeCheckThreshold()).isEqualTo(1.0);
        // not in the file (as in the container's 2020 output): the documented default is the comparison threshold
        assertThat(global.categoricalComparisonThreshold()).isEqualTo(0.1);
        assertThat(global.categoricalDriftMethod()).isEqualTo(CategoricalDriftMethod.L_INFINITY);
        FeatureConstraints age = constraints.feature("age");
        assertThat(age.completeness()).isEqualTo(0.9);
        assertThat(age.isNonNegative()).isTrue();
        assertThat(age.monitoring()).isEqualTo(global);
        assertThat(constraints.feature("income").monitoring().comparisonThreshold())
                .isEqualTo(0.3);
        assertThat(constraints.feature("income").monitoring().comparisonMethod())
                .isEqualTo(ComparisonMethod.ROBUST);
        FeatureConstraints color = constraints.feature("color");
        assertThat(color.domains()).containsExactly("red", "blue", "green");
        assertThat(color.monitoring().evaluateConstraints()).isFalse();
        assertThat(constraints.feature("review_body").domains()).isNull();
    }

    @Test
    void missingKeysTakeTheContainersValuesAndTheOldMisspellingIsRead() {
        Constraints constraints = ModelMonitorJson.readConstraints(("""
                {"version": 0, "features": [{"name": "x", "inferred_type": "Fractional"}],
                 "monitoring_config": {"distribution_constraints": {"comparion_method": "Simple",
                   "comparison_threshold": 0.2, "categorical_drift_method": "ChiSquared"}}}
                """).getBytes(StandardCharsets.UTF_8));
        MonitoringConfig config = constraints.monitoringConfig();
        assertThat(config.comparisonMethod()).isEqualTo(ComparisonMethod.SIMPLE);
        assertThat(config.categoricalComparisonThreshold()).isEqualTo(0.2);
        assertThat(config.categoricalDriftMethod()).isEqualTo(CategoricalDriftMethod.CHI_SQUARED);
        assertThat(config.datatypeCheckThreshold()).isEqualTo(1.0);
        assertThat(config.domainContentThreshold()).isEqualTo(1.0);
        assertThat(config.evaluateConstraints()).isTrue();
        assertThat(ModelMonitorJson.readConstraints("""
                {"features": [], "monitoring_config": {"distribution_constraints": {"comparison_method": "linf_simple"}}}
                """.getBytes(StandardCharsets.UTF_8))
                        .monitoringConfig()
                        .comparisonMethod())
                .isEqualTo(ComparisonMethod.SIMPLE);
    }

    @Test
    void everyProblemOfABadFileIsNamedAtOnce() {
        InvalidBaselineException failure = catchThrowableOfType(
                InvalidBaselineException.class,
                () -> ModelMonitorJson.readStatistics("""
                        {"dataset": {"item_count": -3}, "features": [
                          {"name": "a", "inferred_type": "Integer"},
                          {"name": "b", "inferred_type": "Fractional", "numerical_statistics": {
                            "common": {"num_present": 3, "num_missing": 0}, "mean": "high", "sum": 1, "std_dev": 0,
                            "min": 0, "max": 1, "distribution": {"kll": {"buckets": [],
                              "sketch": {"parameters": {"c": 0.64, "k": 2048}, "data": [[0.5, "x"]]}}}}},
                          {"name": "c", "inferred_type": "Fractional", "numerical_statistics": {
                            "common": {"num_present": 3, "num_missing": 0}, "mean": 1, "sum": 3, "std_dev": 0,
                            "min": 1, "max": 1, "distribution": {"kll": {"buckets": [],
                              "sketch": {"parameters": {"c": 0.64, "k": 2048}, "data": [[1.0], [1.0, 1.0]]}}}}},
                          {"name": "a", "inferred_type": "String", "string_statistics": {
                            "common": {"num_present": 1, "num_missing": 0}}}
                        ]}""".getBytes(StandardCharsets.UTF_8)));
        assertThat(failure.problems())
                .containsExactlyInAnyOrder(
                        "$.dataset.item_count: expected a whole number ≥ 0, was -3",
                        "$.features[0].inferred_type: expected one of Integral, Fractional, String, Unknown, was \"Integer\"",
                        "$.features[1].numerical_statistics.mean: expected a number, was \"high\"",
                        "$.features[1].numerical_statistics.distribution.kll.sketch.data[0][1]: expected a number",
                        "$.features[2].numerical_statistics.distribution.kll.sketch.data: stands for 5 values (each item of"
                                + " level h weighs 2^h) but num_present is 3",
                        "$.features[3].name: feature 'a' is listed twice");
        assertThat(failure.getMessage()).startsWith("statistics.json is not valid: ");
    }

    @Test
    void aMisspeltSettingIsAProblemNotASilentDefault() {
        InvalidBaselineException failure = catchThrowableOfType(
                InvalidBaselineException.class,
                () -> ModelMonitorJson.readConstraints("""
                        {"features": [{"name": "x", "inferred_type": "Integral", "completeness": 2}],
                         "monitoring_config": {"evaluate_constraints": "On", "distribution_constraints": {
                           "comparison_treshold": 0.2, "comparison_method": "Fuzzy"}}}
                        """.getBytes(StandardCharsets.UTF_8)));
        assertThat(failure.problems())
                .containsExactlyInAnyOrder(
                        "$.monitoring_config.distribution_constraints.comparison_treshold: unknown setting (a misspelt one would"
                                + " be ignored silently)",
                        "$.monitoring_config.distribution_constraints.comparison_method: expected \"Simple\" or \"Robust\","
                                + " was \"Fuzzy\"",
                        "$.monitoring_config.evaluate_constraints: expected \"Enabled\" or \"Disabled\", was \"On\"",
                        "$.features[0].completeness: must be between 0 and 1, was 2.0");
        assertThatThrownBy(() -> ModelMonitorJson.readConstraints("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidBaselineException.class)
                .hasMessageContaining("$: not JSON");
    }

    @Test
    void whatIsWrittenReadsBackTheSame() {
        DatasetStatistics statistics = ModelMonitorJson.readStatistics(resource("statistics.json"));
        DatasetStatistics again = ModelMonitorJson.readStatistics(ModelMonitorJson.writeStatistics(statistics));
        assertThat(again.itemCount()).isEqualTo(statistics.itemCount());
        for (FeatureStatistics feature : statistics.features()) {
            FeatureStatistics copy = again.feature(feature.name());
            assertThat(copy.inferredType()).isEqualTo(feature.inferredType());
            assertThat(copy.numPresent()).isEqualTo(feature.numPresent());
            assertThat(copy.string()).isEqualTo(feature.string());
            if (feature.numeric() != null) {
                assertThat(copy.numeric().buckets()).isEqualTo(feature.numeric().buckets());
                assertThat(copy.numeric().mean()).isEqualTo(feature.numeric().mean());
                for (double x = 0; x <= 6; x += 0.5) {
                    assertThat(copy.numeric().sketch().rankInclusive(x))
                            .isEqualTo(feature.numeric().sketch().rankInclusive(x));
                }
            }
        }
        Constraints constraints = ModelMonitorJson.readConstraints(resource("constraints.json"));
        assertThat(ModelMonitorJson.readConstraints(ModelMonitorJson.writeConstraints(constraints)))
                .isEqualTo(constraints);
    }

    @Test
    void violationsAreWrittenInTheDocumentedShapeAndParseWithAwsOwnPattern() throws IOException {
        byte[] written = ModelMonitorJson.writeViolations(List.of(new ConstraintViolation(
                "Fwd Pkt Len Mean",
                ConstraintViolation.BASELINE_DRIFT_CHECK,
                "Baseline drift distance: 0.9293200129316993 exceeds threshold: 0.1")));
        JsonNode root = JSON.readTree(written);
        assertThat(root.fieldNames()).toIterable().containsExactly("violations");
        JsonNode violation = root.get("violations").get(0);
        assertThat(violation.fieldNames())
                .toIterable()
                .containsExactly("feature_name", "constraint_check_type", "description");
        // the pattern AWS's Model Monitor samples read drift back with
        Matcher matcher = Pattern.compile("distance: (.+) exceeds threshold: (.+)")
                .matcher(violation.get("description").asText());
        assertThat(matcher.find()).isTrue();
        assertThat(Double.parseDouble(matcher.group(1))).isEqualTo(0.9293200129316993);
        assertThat(ModelMonitorJson.readViolations(written)).hasSize(1);
    }
}
