package io.sagewatch.core;

import java.util.List;

/**
 * The order of the pipeline's guards and observers, in one place: each bean carries its constant as its
 * {@code jakarta.annotation.Priority}, and the pipeline applies them highest first. A new guard or observer takes a
 * constant here, between the ones it must come after and before.
 */
public final class PipelineOrder {

    /** Guards, outermost first: an outer guard sees every request an inner one answered. */
    public static final int IDEMPOTENCY_GUARD = 1000;

    /** Budgets: inside idempotency, so a replay spends nothing; a refusal never reaches the model. */
    public static final int BUDGET_GUARD = 900;

    /**
     * Observers, in the order they hear of a settled inference: the trace first (its model-call span ends when the call
     * did), the meters (cheapest, never waits), the console's rollups, the log line, the final record (which an answer may wait for), then
     * model health and model quality (off the request path).
     */
    public static final int TRACES = 500;

    public static final int METERS = 400;
    /** The console's rollups: counted in memory (like the meters), written off the request path. */
    public static final int ROLLUPS = 350;

    public static final int LOG_LINE = 300;
    public static final int RECORD = 200;
    public static final int MODEL_HEALTH = 100;
    /** Model quality: the prediction kept (off the request path) for the ground truth that comes later. */
    public static final int MODEL_QUALITY = 90;
    /** Data Capture: the request and answer queued for S3 (off the request path). */
    public static final int DATA_CAPTURE = 80;

    /** The guards' constants, outermost first. */
    public static final List<Integer> GUARDS = List.of(IDEMPOTENCY_GUARD, BUDGET_GUARD);
    /** The observers' constants, first first. */
    public static final List<Integer> OBSERVERS =
            List.of(TRACES, METERS, ROLLUPS, LOG_LINE, RECORD, MODEL_HEALTH, MODEL_QUALITY, DATA_CAPTURE);

    private PipelineOrder() {}
}
