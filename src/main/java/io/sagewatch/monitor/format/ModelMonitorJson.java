package io.sagewatch.monitor.format;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.json.Json;
import io.sagewatch.monitor.format.MonitoringConfig.CategoricalDriftMethod;
import io.sagewatch.monitor.format.MonitoringConfig.ComparisonMethod;
import io.sagewatch.monitor.stats.WeightedValues;

/**
 * Reads and writes SageMaker Model Monitor's {@code statistics.json}, {@code constraints.json} and
 * {@code constraint_violations.json}, in the shapes its analyzer container writes them. Reading checks the whole file
 * and reports every problem at once, each with the JSON path of the field.
 */
public final class ModelMonitorJson {

    public static final String STATISTICS = "statistics.json";
    public static final String CONSTRAINTS = "constraints.json";

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final Set<String> MONITORING_KEYS = Set.of(
            "evaluate_constraints",
            "emit_metrics",
            "datatype_check_threshold",
            "domain_content_threshold",
            "distribution_constraints");
    private static final Set<String> DISTRIBUTION_KEYS = Set.of(
            "perform_comparison",
            "comparison_threshold",
            "comparison_method",
            "comparion_method",
            "categorical_comparison_threshold",
            "categorical_drift_method");

    private ModelMonitorJson() {}

    // ---- statistics.json --------------------------------------------------------------------------------------------

    public static DatasetStatistics readStatistics(byte[] json) {
        Problems problems = new Problems();
        JsonNode root = parse(json, STATISTICS);
        if (!root.isObject()) {
            throw new InvalidBaselineException(STATISTICS, List.of("$: expected a JSON object"));
        }
        long itemCount = problems.count(root.path("dataset"), "item_count", "$.dataset");
        List<FeatureStatistics> features =
                eachFeature(root, problems, (node, path) -> readFeatureStatistics(node, path, problems));
        problems.throwIfAny(STATISTICS);
        return new DatasetStatistics(itemCount, List.copyOf(features));
    }

    /** Each element of {@code $.features} read, names checked for repeats; a feature that could not be read is left out. */
    private static <T> List<T> eachFeature(JsonNode root, Problems problems, BiFunction<JsonNode, String, T> read) {
        List<T> features = new ArrayList<>();
        JsonNode list = root.get("features");
        if (list == null || !list.isArray()) {
            problems.add("$.features", "expected an array of features");
            return features;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "$.features[" + i + "]";
            T feature = read.apply(list.get(i), path);
            String name = list.get(i).path("name").asText();
            if (!name.isEmpty() && !names.add(name)) {
                problems.add(path + ".name", "feature '" + name + "' is listed twice");
            }
            if (feature != null) {
                features.add(feature);
            }
        }
        return features;
    }

    private static FeatureStatistics readFeatureStatistics(JsonNode node, String path, Problems problems) {
        if (!node.isObject()) {
            problems.add(path, "expected a JSON object");
            return null;
        }
        String name = problems.text(node, "name", path);
        FeatureType type = problems.type(node, path);
        if (type == null) {
            return null;
        }
        if (type.isNumeric()) {
            String at = path + ".numerical_statistics";
            JsonNode stats = node.path("numerical_statistics");
            if (!stats.isObject()) {
                problems.add(at, "required for an " + type.modelMonitorName() + " feature");
                return null;
            }
            long present = problems.count(stats.path("common"), "num_present", at + ".common");
            long missing = problems.count(stats.path("common"), "num_missing", at + ".common");
            NumericStatistics numeric = readNumeric(stats, at, present, problems);
            return new FeatureStatistics(name, type, present, missing, numeric, null);
        }
        if (type == FeatureType.STRING) {
            String at = path + ".string_statistics";
            JsonNode stats = node.path("string_statistics");
            if (!stats.isObject()) {
                problems.add(at, "required for a String feature");
                return null;
            }
            long present = problems.count(stats.path("common"), "num_present", at + ".common");
            long missing = problems.count(stats.path("common"), "num_missing", at + ".common");
            double distinct = stats.has("distinct_count") ? problems.number(stats, "distinct_count", at) : Double.NaN;
            Map<String, Double> categories = null;
            JsonNode buckets = stats.path("distribution").path("categorical").path("buckets");
            if (!buckets.isMissingNode()) {
                String bucketsPath = at + ".distribution.categorical.buckets";
                categories = new LinkedHashMap<>();
                if (!buckets.isArray()) {
                    problems.add(bucketsPath, "expected an array");
                } else {
                    for (int i = 0; i < buckets.size(); i++) {
                        String bucketPath = bucketsPath + "[" + i + "]";
                        String value = problems.text(buckets.get(i), "value", bucketPath);
                        double count = problems.number(buckets.get(i), "count", bucketPath);
                        if (value != null) {
                            categories.merge(value, count, Double::sum);
                        }
                    }
                }
            }
            return new FeatureStatistics(
                    name, type, present, missing, null, new StringStatistics(distinct, categories));
        }
        // Unknown: no value was present, so there is nothing but the counts (when written at all)
        JsonNode common = node.path("numerical_statistics").path("common");
        if (common.isMissingNode()) {
            common = node.path("string_statistics").path("common");
        }
        long present = common.path("num_present").asLong(0);
        long missing = common.path("num_missing").asLong(0);
        return new FeatureStatistics(name, type, present, missing, null, null);
    }

    private static NumericStatistics readNumeric(JsonNode stats, String at, long present, Problems problems) {
        double mean = problems.numberOrNaN(stats, "mean", at, present);
        double sum = problems.numberOrNaN(stats, "sum", at, present);
        double stdDev = problems.numberOrNaN(stats, "std_dev", at, present);
        double min = problems.numberOrNaN(stats, "min", at, present);
        double max = problems.numberOrNaN(stats, "max", at, present);
        JsonNode kll = stats.path("distribution").path("kll");
        String kllPath = at + ".distribution.kll";
        if (kll.isMissingNode()) {
            if (present > 0) {
                problems.add(kllPath, "required when num_present > 0: drift is measured against this sketch");
            }
            return new NumericStatistics(
                    mean, sum, stdDev, min, max, List.of(), WeightedValues.EMPTY, Double.NaN, Double.NaN);
        }
        List<NumericStatistics.Bucket> buckets = new ArrayList<>();
        JsonNode bucketList = kll.path("buckets");
        if (!bucketList.isArray()) {
            problems.add(kllPath + ".buckets", "expected an array");
        } else {
            for (int i = 0; i < bucketList.size(); i++) {
                JsonNode bucket = bucketList.get(i);
                String bucketPath = kllPath + ".buckets[" + i + "]";
                buckets.add(new NumericStatistics.Bucket(
                        problems.number(bucket, "lower_bound", bucketPath),
                        problems.number(bucket, "upper_bound", bucketPath),
                        problems.number(bucket, "count", bucketPath)));
            }
        }
        JsonNode sketch = kll.path("sketch");
        String sketchPath = kllPath + ".sketch";
        double c = problems.number(sketch.path("parameters"), "c", sketchPath + ".parameters");
        double k = problems.number(sketch.path("parameters"), "k", sketchPath + ".parameters");
        JsonNode data = sketch.path("data");
        WeightedValues values = WeightedValues.EMPTY;
        if (!data.isArray()) {
            problems.add(sketchPath + ".data", "expected an array of arrays of numbers (one per compactor level)");
        } else {
            List<double[]> levels = new ArrayList<>();
            boolean valid = true;
            for (int h = 0; h < data.size(); h++) {
                JsonNode level = data.get(h);
                if (!level.isArray()) {
                    problems.add(sketchPath + ".data[" + h + "]", "expected an array of numbers");
                    valid = false;
                    continue;
                }
                double[] items = new double[level.size()];
                for (int i = 0; i < items.length; i++) {
                    if (!level.get(i).isNumber()) {
                        problems.add(sketchPath + ".data[" + h + "][" + i + "]", "expected a number");
                        valid = false;
                    }
                    items[i] = level.get(i).asDouble();
                }
                levels.add(items);
            }
            if (valid) {
                values = WeightedValues.ofLevels(levels);
                if (values.total() != present) {
                    problems.add(
                            sketchPath + ".data",
                            "stands for " + values.total()
                                    + " values (each item of level h weighs 2^h) but num_present is " + present);
                }
            }
        }
        return new NumericStatistics(mean, sum, stdDev, min, max, List.copyOf(buckets), values, c, k);
    }

    public static byte[] writeStatistics(DatasetStatistics statistics) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 0.0);
        root.putObject("dataset").put("item_count", statistics.itemCount());
        ArrayNode features = root.putArray("features");
        for (FeatureStatistics feature : statistics.features()) {
            ObjectNode node = features.addObject();
            node.put("name", feature.name());
            node.put("inferred_type", feature.inferredType().modelMonitorName());
            if (feature.numeric() != null) {
                NumericStatistics numeric = feature.numeric();
                ObjectNode stats = node.putObject("numerical_statistics");
                common(stats, feature);
                putNumber(stats, "mean", numeric.mean());
                putNumber(stats, "sum", numeric.sum());
                putNumber(stats, "std_dev", numeric.stdDev());
                putNumber(stats, "min", numeric.min());
                putNumber(stats, "max", numeric.max());
                if (!numeric.sketch().isEmpty()) {
                    ObjectNode kll = stats.putObject("distribution").putObject("kll");
                    ArrayNode buckets = kll.putArray("buckets");
                    for (NumericStatistics.Bucket bucket : numeric.buckets()) {
                        buckets.addObject()
                                .put("lower_bound", bucket.lowerBound())
                                .put("upper_bound", bucket.upperBound())
                                .put("count", bucket.count());
                    }
                    ObjectNode sketch = kll.putObject("sketch");
                    sketch.putObject("parameters").put("c", numeric.sketchC()).put("k", numeric.sketchK());
                    ArrayNode data = sketch.putArray("data");
                    for (double[] level : numeric.sketch().toLevels()) {
                        ArrayNode items = data.addArray();
                        for (double item : level) {
                            items.add(item);
                        }
                    }
                }
            } else if (feature.string() != null) {
                ObjectNode stats = node.putObject("string_statistics");
                common(stats, feature);
                putNumber(stats, "distinct_count", feature.string().distinctCount());
                if (feature.string().categories() != null) {
                    ArrayNode buckets = stats.putObject("distribution")
                            .putObject("categorical")
                            .putArray("buckets");
                    feature.string()
                            .categories()
                            .forEach((value, count) ->
                                    buckets.addObject().put("value", value).put("count", count));
                }
            }
        }
        return write(root);
    }

    private static void common(ObjectNode stats, FeatureStatistics feature) {
        stats.putObject("common").put("num_present", feature.numPresent()).put("num_missing", feature.numMissing());
    }

    // ---- constraints.json -------------------------------------------------------------------------------------------

    public static Constraints readConstraints(byte[] json) {
        Problems problems = new Problems();
        JsonNode root = parse(json, CONSTRAINTS);
        if (!root.isObject()) {
            throw new InvalidBaselineException(CONSTRAINTS, List.of("$: expected a JSON object"));
        }
        MonitoringConfig global = MonitoringConfig.DEFAULTS;
        JsonNode monitoring = root.get("monitoring_config");
        if (monitoring != null) {
            global = monitoringConfig(monitoring, "$.monitoring_config", MonitoringConfig.DEFAULTS, problems);
        }
        MonitoringConfig base = global;
        List<FeatureConstraints> features =
                eachFeature(root, problems, (node, path) -> readFeatureConstraints(node, path, base, problems));
        problems.throwIfAny(CONSTRAINTS);
        return new Constraints(List.copyOf(features), global);
    }

    private static FeatureConstraints readFeatureConstraints(
            JsonNode node, String path, MonitoringConfig global, Problems problems) {
        if (!node.isObject()) {
            problems.add(path, "expected a JSON object");
            return null;
        }
        String name = problems.text(node, "name", path);
        FeatureType type = problems.type(node, path);
        Double completeness = null;
        if (node.has("completeness")) {
            double value = problems.number(node, "completeness", path);
            if (value < 0 || value > 1) {
                problems.add(path + ".completeness", "must be between 0 and 1, was " + value);
            }
            completeness = value;
        }
        Boolean nonNegative = null;
        JsonNode numeric = node.path("num_constraints").path("is_non_negative");
        if (!numeric.isMissingNode()) {
            if (!numeric.isBoolean()) {
                problems.add(path + ".num_constraints.is_non_negative", "expected true or false");
            }
            nonNegative = numeric.asBoolean();
        }
        List<String> domains = null;
        JsonNode domainList = node.path("string_constraints").path("domains");
        if (!domainList.isMissingNode()) {
            domains = new ArrayList<>();
            if (!domainList.isArray()) {
                problems.add(path + ".string_constraints.domains", "expected an array of strings");
            } else {
                for (int i = 0; i < domainList.size(); i++) {
                    if (!domainList.get(i).isTextual()) {
                        problems.add(path + ".string_constraints.domains[" + i + "]", "expected a string");
                    }
                    domains.add(domainList.get(i).asText());
                }
            }
            domains = List.copyOf(domains);
        }
        // The documented camelCase key, or the snake_case one the Python SDK writes under string_constraints
        String overridesPath = null;
        JsonNode overrides = null;
        for (String candidate : List.of("monitoringConfigOverrides", "monitoring_config_overrides")) {
            if (node.has(candidate)) {
                overrides = node.get(candidate);
                overridesPath = path + "." + candidate;
            } else if (node.path("string_constraints").has(candidate)) {
                overrides = node.path("string_constraints").get(candidate);
                overridesPath = path + ".string_constraints." + candidate;
            }
        }
        MonitoringConfig effective = global;
        Map<String, Object> raw = Map.of();
        if (overrides != null) {
            effective = monitoringConfig(overrides, overridesPath, global, problems);
            raw = JSON.convertValue(overrides, Map.class);
        }
        return new FeatureConstraints(name, type, completeness, nonNegative, domains, raw, effective);
    }

    /** A monitoring_config (or a feature's overrides: the same keys, flat or nested) over the given base. */
    private static MonitoringConfig monitoringConfig(
            JsonNode node, String path, MonitoringConfig base, Problems problems) {
        if (!node.isObject()) {
            problems.add(path, "expected a JSON object");
            return base;
        }
        JsonNode distribution = node.path("distribution_constraints");
        Set<String> allowed = new HashSet<>(MONITORING_KEYS);
        if (!path.endsWith("monitoring_config")) {
            allowed.addAll(DISTRIBUTION_KEYS); // overrides may name the distribution keys at their top level
        }
        unknownKeys(node, allowed, path, problems);
        if (distribution.isObject()) {
            unknownKeys(distribution, DISTRIBUTION_KEYS, path + ".distribution_constraints", problems);
        } else if (!distribution.isMissingNode()) {
            problems.add(path + ".distribution_constraints", "expected a JSON object");
        }
        String distributionPath = path + ".distribution_constraints";
        double comparison = problems.optionalNumber(
                first(distribution, node, "comparison_threshold"),
                distributionPath + ".comparison_threshold",
                base.comparisonThreshold());
        // Documented: the categorical threshold defaults to the comparison threshold
        double categoricalDefault = first(distribution, node, "comparison_threshold") != null
                ? comparison
                : base.categoricalComparisonThreshold();
        JsonNode methodNode = first(distribution, node, "comparison_method");
        if (methodNode == null) {
            methodNode = first(distribution, node, "comparion_method"); // the misspelling the docs carried until 2020
        }
        ComparisonMethod method = base.comparisonMethod();
        if (methodNode != null) {
            method = ComparisonMethod.parse(methodNode.asText());
            if (method == null) {
                problems.add(
                        distributionPath + ".comparison_method",
                        "expected \"Simple\" or \"Robust\", was " + methodNode);
                method = base.comparisonMethod();
            }
        }
        CategoricalDriftMethod categoricalMethod = base.categoricalDriftMethod();
        JsonNode categoricalNode = first(distribution, node, "categorical_drift_method");
        if (categoricalNode != null) {
            categoricalMethod = CategoricalDriftMethod.parse(categoricalNode.asText());
            if (categoricalMethod == null) {
                problems.add(
                        distributionPath + ".categorical_drift_method",
                        "expected \"LInfinity\" or \"ChiSquared\", was " + categoricalNode);
                categoricalMethod = base.categoricalDriftMethod();
            }
        }
        return new MonitoringConfig(
                problems.enabled(
                        node.get("evaluate_constraints"), path + ".evaluate_constraints", base.evaluateConstraints()),
                problems.enabled(node.get("emit_metrics"), path + ".emit_metrics", base.emitMetrics()),
                problems.optionalNumber(
                        node.get("datatype_check_threshold"),
                        path + ".datatype_check_threshold",
                        base.datatypeCheckThreshold()),
                problems.optionalNumber(
                        node.get("domain_content_threshold"),
                        path + ".domain_content_threshold",
                        base.domainContentThreshold()),
                problems.enabled(
                        first(distribution, node, "perform_comparison"),
                        distributionPath + ".perform_comparison",
                        base.performComparison()),
                comparison,
                method,
                problems.optionalNumber(
                        first(distribution, node, "categorical_comparison_threshold"),
                        distributionPath + ".categorical_comparison_threshold",
                        categoricalDefault),
                categoricalMethod);
    }

    private static JsonNode first(JsonNode distribution, JsonNode node, String key) {
        if (distribution.has(key)) {
            return distribution.get(key);
        }
        return node.get(key);
    }

    private static void unknownKeys(JsonNode node, Set<String> allowed, String path, Problems problems) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                problems.add(path + "." + name, "unknown setting (a misspelt one would be ignored silently)");
            }
        }
    }

    public static byte[] writeConstraints(Constraints constraints) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 0.0);
        ArrayNode features = root.putArray("features");
        for (FeatureConstraints feature : constraints.features()) {
            ObjectNode node = features.addObject();
            node.put("name", feature.name());
            node.put("inferred_type", feature.inferredType().modelMonitorName());
            if (feature.completeness() != null) {
                node.put("completeness", feature.completeness());
            }
            if (feature.isNonNegative() != null) {
                node.putObject("num_constraints").put("is_non_negative", feature.isNonNegative());
            }
            if (feature.domains() != null) {
                ArrayNode domains = node.putObject("string_constraints").putArray("domains");
                feature.domains().forEach(domains::add);
            }
            if (!feature.overrides().isEmpty()) {
                node.set("monitoringConfigOverrides", JSON.valueToTree(feature.overrides()));
            }
        }
        MonitoringConfig config = constraints.monitoringConfig();
        ObjectNode monitoring = root.putObject("monitoring_config");
        monitoring.put("evaluate_constraints", enabled(config.evaluateConstraints()));
        monitoring.put("emit_metrics", enabled(config.emitMetrics()));
        monitoring.put("datatype_check_threshold", config.datatypeCheckThreshold());
        monitoring.put("domain_content_threshold", config.domainContentThreshold());
        monitoring
                .putObject("distribution_constraints")
                .put("perform_comparison", enabled(config.performComparison()))
                .put("comparison_threshold", config.comparisonThreshold())
                .put("comparison_method", config.comparisonMethod().modelMonitorName())
                .put("categorical_comparison_threshold", config.categoricalComparisonThreshold())
                .put("categorical_drift_method", config.categoricalDriftMethod().modelMonitorName());
        return write(root);
    }

    // ---- constraint_violations.json ---------------------------------------------------------------------------------

    public static byte[] writeViolations(List<ConstraintViolation> violations) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("violations");
        for (ConstraintViolation violation : violations) {
            list.addObject()
                    .put("feature_name", violation.featureName())
                    .put("constraint_check_type", violation.constraintCheckType())
                    .put("description", violation.description());
        }
        return write(root);
    }

    public static List<ConstraintViolation> readViolations(byte[] json) {
        JsonNode root = parse(json, "constraint_violations.json");
        List<ConstraintViolation> violations = new ArrayList<>();
        for (JsonNode node : root.path("violations")) {
            violations.add(new ConstraintViolation(
                    node.path("feature_name").asText(),
                    node.path("constraint_check_type").asText(),
                    node.path("description").asText()));
        }
        return violations;
    }

    // ---- a stored baseline: both files and where they came from -----------------------------------------------------

    public static byte[] writeBaseline(Baseline baseline) {
        try {
            ObjectNode root = JSON.createObjectNode();
            root.put("endpoint", baseline.endpoint());
            root.put("version", baseline.version());
            root.put("source", baseline.source());
            root.put("created_at", baseline.createdAt().toString());
            root.set("statistics", JSON.readTree(writeStatistics(baseline.statistics())));
            root.set("constraints", JSON.readTree(writeConstraints(baseline.constraints())));
            return write(root);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Baseline readBaseline(byte[] json) {
        JsonNode root = parse(json, "baseline");
        try {
            return new Baseline(
                    root.path("endpoint").asText(),
                    root.path("version").asInt(),
                    root.path("source").asText(),
                    java.time.Instant.parse(root.path("created_at").asText()),
                    readStatistics(JSON.writeValueAsBytes(root.get("statistics"))),
                    readConstraints(JSON.writeValueAsBytes(root.get("constraints"))));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---- shared -----------------------------------------------------------------------------------------------------

    private static JsonNode parse(byte[] json, String file) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null) {
                throw new InvalidBaselineException(file, List.of("$: the file is empty"));
            }
            return root;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidBaselineException(file, List.of("$: not JSON (" + e.getOriginalMessage() + ")"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] write(ObjectNode root) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A value JSON cannot hold (NaN, infinite) is left out, as the container leaves out what it did not compute. */
    private static void putNumber(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        }
    }

    private static String enabled(boolean value) {
        return value ? "Enabled" : "Disabled";
    }

    /** Collects every problem of a file, then fails once with all of them. */
    private static final class Problems {
        private final List<String> problems = new ArrayList<>();

        void add(String path, String problem) {
            problems.add(path + ": " + problem);
        }

        void throwIfAny(String file) {
            if (!problems.isEmpty()) {
                throw new InvalidBaselineException(file, problems);
            }
        }

        String text(JsonNode node, String key, String path) {
            JsonNode value = node.get(key);
            if (value == null || !value.isTextual() || value.asText().isEmpty()) {
                add(path + "." + key, "expected a non-empty string");
                return null;
            }
            return value.asText();
        }

        FeatureType type(JsonNode node, String path) {
            JsonNode value = node.get("inferred_type");
            FeatureType type = value == null ? null : FeatureType.fromModelMonitorName(value.asText());
            if (type == null) {
                add(path + ".inferred_type", "expected one of Integral, Fractional, String, Unknown, was " + value);
            }
            return type;
        }

        double number(JsonNode node, String key, String path) {
            JsonNode value = node.get(key);
            if (value == null || !value.isNumber()) {
                add(path + "." + key, "expected a number" + (value == null ? "" : ", was " + value));
                return Double.NaN;
            }
            return value.asDouble();
        }

        /** A statistic that a feature with no value present may lack. */
        double numberOrNaN(JsonNode node, String key, String path, long present) {
            JsonNode value = node.get(key);
            if ((value == null || value.isNull()) && present == 0) {
                return Double.NaN;
            }
            return number(node, key, path);
        }

        double optionalNumber(JsonNode value, String path, double fallback) {
            if (value == null) {
                return fallback;
            }
            if (!value.isNumber()) {
                add(path, "expected a number, was " + value);
                return fallback;
            }
            return value.asDouble();
        }

        long count(JsonNode node, String key, String path) {
            JsonNode value = node.get(key);
            if (value == null
                    || !value.isNumber()
                    || value.asDouble() < 0
                    || value.asDouble() != Math.rint(value.asDouble())) {
                add(path + "." + key, "expected a whole number ≥ 0" + (value == null ? "" : ", was " + value));
                return 0;
            }
            return value.asLong();
        }

        boolean enabled(JsonNode value, String path, boolean fallback) {
            if (value == null) {
                return fallback;
            }
            if ("Enabled".equals(value.asText())) {
                return true;
            }
            if ("Disabled".equals(value.asText())) {
                return false;
            }
            add(path, "expected \"Enabled\" or \"Disabled\", was " + value);
            return fallback;
        }
    }
}
