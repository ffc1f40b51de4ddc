package io.sagewatch.monitor.quality;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.json.Json;

/**
 * Model Monitor's model-quality files: {@code statistics.json} (written and read), {@code constraints.json} (read, and
 * suggested from statistics as its baseline job does: each metric's own value as the threshold) and
 * {@code constraint_violations.json} (written, with its description text and its camelCase names of the four rates).
 */
public final class QualityFiles {

    public static final String LESS = "LessThanThreshold";
    public static final String GREATER = "GreaterThanThreshold";
    /** Metrics where lower is better: a violation is a value above the threshold. */
    static final Set<String> LOWER_IS_BETTER =
            Set.of("false_positive_rate", "false_negative_rate", "mae", "mse", "rmse");
    /** The metrics the baseline job suggests constraints for (not the best constant classifier's). */
    static final Map<ProblemType, List<String>> CONSTRAINED = Map.of(
            ProblemType.BINARY,
            List.of(
                    "recall",
                    "precision",
                    "accuracy",
                    "true_positive_rate",
                    "true_negative_rate",
                    "false_positive_rate",
                    "false_negative_rate",
                    "auc",
                    "f0_5",
                    "f1",
                    "f2"),
            ProblemType.MULTICLASS,
            List.of("accuracy", "weighted_recall", "weighted_precision", "weighted_f0_5", "weighted_f1", "weighted_f2"),
            ProblemType.REGRESSION,
            List.of("mae", "mse", "rmse", "r2"));

    /** A bound on one metric. */
    public record Constraint(double threshold, String operator) {}

    /** A metric outside its bound. */
    public record Violation(String metric, double value, double deviation, Constraint constraint) {}

    private QualityFiles() {}

    // ---- statistics.json --------------------------------------------------------------------------------------------

    public static ObjectNode statistics(QualityMetrics.Result result, Instant evaluatedAt) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", 0.0);
        ObjectNode dataset = root.putObject("dataset");
        dataset.put("item_count", result.rows());
        dataset.put("evaluation_time", evaluatedAt.toString());
        ObjectNode metrics = root.putObject(result.type().metricsMember());
        if (result.confusionMatrix() != null) {
            ObjectNode matrix = metrics.putObject("confusion_matrix");
            result.confusionMatrix().forEach((actual, row) -> {
                ObjectNode cells = matrix.putObject(actual);
                row.forEach(cells::put);
            });
        }
        for (Map.Entry<String, QualityMetrics.Metric> metric : result.scalars().entrySet()) {
            if (metric.getKey().equals("auc")
                    || (metric.getKey().equals("f0_5") && !result.scalars().containsKey("auc"))) {
                curves(metrics, result); // Model Monitor's order: the curves come before auc
            }
            ObjectNode figure = metrics.putObject(metric.getKey());
            number(figure, "value", metric.getValue().value());
            number(figure, "standard_deviation", metric.getValue().standardDeviation());
        }
        return root;
    }

    private static void curves(ObjectNode metrics, QualityMetrics.Result result) {
        if (result.rocFalsePositiveRates() == null || metrics.has("receiver_operating_characteristic_curve")) {
            return;
        }
        ObjectNode roc = metrics.putObject("receiver_operating_characteristic_curve");
        array(roc.putArray("false_positive_rates"), result.rocFalsePositiveRates());
        array(roc.putArray("true_positive_rates"), result.rocTruePositiveRates());
        ObjectNode pr = metrics.putObject("precision_recall_curve");
        array(pr.putArray("precisions"), result.precisions());
        array(pr.putArray("recalls"), result.recalls());
    }

    private static void array(ArrayNode into, double[] values) {
        for (double value : values) {
            into.add(value);
        }
    }

    /** Model Monitor writes a missing figure as the string "NaN". */
    private static void number(ObjectNode into, String name, double value) {
        if (Double.isFinite(value)) {
            into.put(name, value);
        } else {
            into.put(name, "NaN");
        }
    }

    /** The scalar metrics of a statistics.json (value and deviation), for a baseline read back. */
    public static Map<String, QualityMetrics.Metric> scalars(JsonNode statistics, ProblemType type) {
        JsonNode metrics = statistics.path(type.metricsMember());
        if (!metrics.isObject()) {
            throw new IllegalArgumentException("statistics.json has no " + type.metricsMember() + " (the endpoint's"
                    + " problem type is " + type.modelMonitorName() + ")");
        }
        Map<String, QualityMetrics.Metric> scalars = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = metrics.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> metric = it.next();
            JsonNode value = metric.getValue().get("value");
            if (value != null) {
                scalars.put(
                        metric.getKey(),
                        new QualityMetrics.Metric(
                                decimal(value, metric.getKey()),
                                decimal(metric.getValue().path("standard_deviation"), metric.getKey())));
            }
        }
        return scalars;
    }

    private static double decimal(JsonNode node, String metric) {
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isTextual()) { // "NaN", or a number in scientific notation written as text
            try {
                return Double.parseDouble(node.asText());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(metric + " is not a number: " + node);
            }
        }
        return Double.NaN;
    }

    // ---- constraints.json -------------------------------------------------------------------------------------------

    /** Reads a constraints.json; every problem is reported at once. */
    public static Map<String, Constraint> constraints(JsonNode document, ProblemType type) {
        JsonNode member = document.path(type.constraintsMember());
        if (!member.isObject()) {
            throw new IllegalArgumentException("constraints.json has no " + type.constraintsMember()
                    + " object (the endpoint's problem type is " + type.modelMonitorName() + ")");
        }
        Map<String, Constraint> constraints = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = member.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String metric = entry.getKey();
            JsonNode threshold = entry.getValue().path("threshold");
            String operator = entry.getValue().path("comparison_operator").asText("");
            if (!operator.equals(LESS) && !operator.equals(GREATER)) {
                problems.add(metric + ".comparison_operator must be " + LESS + " or " + GREATER + ", not '" + operator
                        + "'");
                continue;
            }
            double value;
            try {
                value = threshold.isNumber() ? threshold.asDouble() : Double.parseDouble(threshold.asText());
            } catch (NumberFormatException e) {
                problems.add(metric + ".threshold is not a number: " + threshold);
                continue;
            }
            if (!Double.isFinite(value)) {
                problems.add(metric + ".threshold is not a finite number: " + threshold);
                continue;
            }
            constraints.put(metric, new Constraint(value, operator));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("constraints.json: " + String.join("; ", problems));
        }
        return constraints;
    }

    /** The constraints Model Monitor's baseline job suggests: each metric's baseline value, as its threshold. */
    public static Map<String, Constraint> suggested(ProblemType type, Map<String, QualityMetrics.Metric> baseline) {
        Map<String, Constraint> constraints = new LinkedHashMap<>();
        for (String metric : CONSTRAINED.get(type)) {
            QualityMetrics.Metric figure = baseline.get(metric);
            if (figure != null && Double.isFinite(figure.value())) {
                constraints.put(
                        metric, new Constraint(figure.value(), LOWER_IS_BETTER.contains(metric) ? GREATER : LESS));
            }
        }
        return constraints;
    }

    public static ObjectNode constraintsJson(ProblemType type, Map<String, Constraint> constraints) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("version", 0.0);
        ObjectNode member = root.putObject(type.constraintsMember());
        constraints.forEach((metric, constraint) -> member.putObject(metric)
                .put("threshold", constraint.threshold())
                .put("comparison_operator", constraint.operator()));
        return root;
    }

    // ---- constraint_violations.json ---------------------------------------------------------------------------------

    public static List<Violation> check(
            Map<String, QualityMetrics.Metric> metrics, Map<String, Constraint> constraints) {
        List<Violation> violations = new ArrayList<>();
        constraints.forEach((name, constraint) -> {
            QualityMetrics.Metric metric = metrics.get(name);
            if (metric == null || !Double.isFinite(metric.value())) {
                return;
            }
            boolean violated = constraint.operator().equals(LESS)
                    ? metric.value() < constraint.threshold()
                    : metric.value() > constraint.threshold();
            if (violated) {
                violations.add(new Violation(name, metric.value(), metric.standardDeviation(), constraint));
            }
        });
        return violations;
    }

    public static ObjectNode violationsJson(List<Violation> violations) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode list = root.putArray("violations");
        for (Violation violation : violations) {
            String name = violationName(violation.metric());
            list.addObject()
                    .put("constraint_check_type", violation.constraint().operator())
                    .put(
                            "description",
                            "Metric " + name + " with " + violation.value() + " +/- " + violation.deviation() + " was "
                                    + violation.constraint().operator() + " '"
                                    + violation.constraint().threshold()
                                    + "'")
                    .put("metric_name", name);
        }
        return root;
    }

    /** Model Monitor names the four rates in camelCase in its violations (and only there). */
    static String violationName(String metric) {
        return switch (metric) {
            case "true_positive_rate" -> "truePositiveRate";
            case "true_negative_rate" -> "trueNegativeRate";
            case "false_positive_rate" -> "falsePositiveRate";
            case "false_negative_rate" -> "falseNegativeRate";
            default -> metric;
        };
    }
}
