package io.sagewatch.console;

import java.util.List;
import java.util.Locale;

import io.sagewatch.rollups.LatencySketch;
import io.sagewatch.rollups.Rollup;
import io.sagewatch.rollups.Rollup.ErrorClass;

/**
 * One endpoint's figures over a range, from its merged rollup: what a row of the overview shows, and what its JSON
 * form carries; with the shares of the model names that called it through the OpenAI front (a model's own figures
 * have none, and name the model in {@code endpoint}).
 */
public record EndpointFigures(String endpoint, Rollup rollup, List<EndpointFigures> models) {

    /** An error rate at or above this (1 %), or any throttling or gateway failure, puts an endpoint first. */
    static final double ATTENTION_ERROR_RATE = 0.01;

    public long invocations() {
        return rollup.invocations();
    }

    public long errors() {
        return rollup.errors();
    }

    public long errors(ErrorClass errorClass) {
        return rollup.errors(errorClass);
    }

    public long clientErrors() {
        return rollup.errors(ErrorClass.CLIENT);
    }

    public long throttles() {
        return rollup.errors(ErrorClass.THROTTLED);
    }

    public long modelErrors() {
        return rollup.errors(ErrorClass.MODEL);
    }

    /** Deadlines passed and model hosts unreachable: the way to the model failed. */
    public long timeouts() {
        return rollup.errors(ErrorClass.DEADLINE) + rollup.errors(ErrorClass.TRANSPORT);
    }

    public long gatewayErrors() {
        return rollup.errors(ErrorClass.GATEWAY);
    }

    public boolean attention() {
        return rollup.errorRate() >= ATTENTION_ERROR_RATE || throttles() > 0 || gatewayErrors() > 0;
    }

    public String errorRate() {
        return rollup.invocations() == 0 ? "–" : String.format(Locale.ROOT, "%.2f %%", 100 * rollup.errorRate());
    }

    public String latencyP50() {
        return millis(rollup.latency(), 0.5);
    }

    public String latencyP99() {
        return millis(rollup.latency(), 0.99);
    }

    public String modelP50() {
        return millis(rollup.modelLatency(), 0.5);
    }

    public String modelP99() {
        return millis(rollup.modelLatency(), 0.99);
    }

    public String gatewayP50() {
        return millis(rollup.overhead(), 0.5);
    }

    public String gatewayP99() {
        return millis(rollup.overhead(), 0.99);
    }

    public String timeToFirstTokenP50() {
        return millis(rollup.timeToFirstToken(), 0.5);
    }

    public long inputTokens() {
        return rollup.inputTokens();
    }

    public long outputTokens() {
        return rollup.outputTokens();
    }

    public String cost() {
        return rollup.costUsd() == 0 ? "–" : String.format(Locale.ROOT, "$%.4f", rollup.costUsd());
    }

    static String millis(LatencySketch sketch, double quantile) {
        double value = sketch.quantile(quantile);
        if (Double.isNaN(value)) {
            return "–";
        }
        return value >= 100
                ? String.format(Locale.ROOT, "%.0f ms", value)
                : String.format(Locale.ROOT, "%.2f ms", value);
    }
}
