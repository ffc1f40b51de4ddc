package io.sagewatch.console;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.json.Json;
import io.sagewatch.rollups.LatencySketch;
import io.sagewatch.rollups.Rollup;
import io.sagewatch.rollups.Rollup.ErrorClass;
import io.sagewatch.rollups.RollupLevel;

/**
 * The overview of a range: each endpoint's figures (those needing attention first), the total, and the series the
 * charts draw (every endpoint's, or the one chosen).
 *
 * @param spans the chosen endpoint's (or every endpoint's) rollups by span start, for the charts
 */
public record Overview(
        ConsoleRange range,
        Instant from,
        Instant until,
        String chosen,
        List<EndpointFigures> endpoints,
        EndpointFigures total,
        NavigableMap<Instant, Rollup> spans) {

    public List<ConsoleRange> ranges() {
        return List.of(ConsoleRange.values());
    }

    /** What one point of the charts is: "minute" or "hour". */
    public String levelName() {
        return range.level().name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean empty() {
        return endpoints.isEmpty();
    }

    /** The charts' data: one array per series, a value per span (null where a span saw nothing to rank). */
    public String seriesJson() {
        ObjectNode series = Json.MAPPER.createObjectNode();
        ArrayNode times = series.putArray("t");
        ArrayNode invocations = series.putArray("invocations");
        ArrayNode errors = series.putArray("errors");
        ArrayNode throttles = series.putArray("throttles");
        ArrayNode p50 = series.putArray("p50");
        ArrayNode p99 = series.putArray("p99");
        ArrayNode modelP99 = series.putArray("model_p99");
        ArrayNode gatewayP99 = series.putArray("gateway_p99");
        RollupLevel level = range.level();
        for (Instant at = from; at.isBefore(until); at = at.plus(level.length())) {
            Rollup span = spans.getOrDefault(at, new Rollup());
            times.add(at.getEpochSecond());
            invocations.add(span.invocations());
            errors.add(span.errors());
            throttles.add(span.errors(ErrorClass.THROTTLED));
            quantile(p50, span.latency(), 0.5);
            quantile(p99, span.latency(), 0.99);
            quantile(modelP99, span.modelLatency(), 0.99);
            quantile(gatewayP99, span.overhead(), 0.99);
        }
        return series.toString();
    }

    private static void quantile(ArrayNode series, LatencySketch sketch, double q) {
        double value = sketch.quantile(q);
        if (Double.isNaN(value)) {
            series.addNull();
        } else {
            series.add(Math.round(value * 1000) / 1000.0);
        }
    }

    /** What {@code /console/overview.json} answers: the figures as numbers. */
    public ObjectNode json() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("range", range.id());
        root.put("from", from.toString());
        root.put("until", until.toString());
        root.put("level", range.level().name().toLowerCase(java.util.Locale.ROOT));
        ArrayNode list = root.putArray("endpoints");
        for (EndpointFigures figures : endpoints) {
            list.add(json(figures));
        }
        root.set("total", json(total));
        return root;
    }

    private static ObjectNode json(EndpointFigures figures) {
        Rollup rollup = figures.rollup();
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("endpoint", figures.endpoint());
        node.put("invocations", rollup.invocations());
        ObjectNode errors = node.putObject("errors");
        for (ErrorClass errorClass : ErrorClass.values()) {
            errors.put(errorClass.name().toLowerCase(java.util.Locale.ROOT), rollup.errors(errorClass));
        }
        node.put("error_count", rollup.errors());
        for (Map.Entry<String, LatencySketch> sketch : Map.of(
                        "latency_ms", rollup.latency(),
                        "model_latency_ms", rollup.modelLatency(),
                        "overhead_latency_ms", rollup.overhead(),
                        "time_to_first_token_ms", rollup.timeToFirstToken())
                .entrySet()) {
            ObjectNode quantiles = node.putObject(sketch.getKey());
            quantiles.put("count", sketch.getValue().count());
            for (double q : new double[] {0.5, 0.99}) {
                double value = sketch.getValue().quantile(q);
                String name = q == 0.5 ? "p50" : "p99";
                if (Double.isNaN(value)) {
                    quantiles.putNull(name);
                } else {
                    quantiles.put(name, value);
                }
            }
        }
        node.put("input_tokens", rollup.inputTokens());
        node.put("output_tokens", rollup.outputTokens());
        node.put("estimated_cost_usd", rollup.costUsd());
        node.put("attention", figures.attention());
        if (!figures.models().isEmpty()) {
            ArrayNode models = node.putArray("models");
            for (EndpointFigures model : figures.models()) {
                ObjectNode share = json(model);
                share.set("model", share.remove("endpoint"));
                share.remove("attention");
                models.add(share);
            }
        }
        return node;
    }
}
