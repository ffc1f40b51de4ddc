package io.sagewatch.inference;

import java.time.Instant;

import io.sagewatch.sagemaker.ModelCall;
import io.sagewatch.sagemaker.ModelResponse;

/**
 * How one inference ended. The record, the response and (later) the meters and the log line are all derived from
 * this one value, never from the resource.
 */
public record InferenceOutcome(InferenceRequest request, ModelCall modelCall, InferenceError error,
        Instant finishedAt, long totalNanos, TokenUsage tokens, Double costUsd) {

    public static InferenceOutcome of(InferenceRequest request, ModelCall call, TokenUsage tokens, Double costUsd) {
        return new InferenceOutcome(request, call, call.error(), Instant.now(), System.nanoTime() - request.startNanos(),
                tokens, costUsd);
    }

    /** The client went away before the model answered; the upstream call was cancelled. */
    public static InferenceOutcome disconnected(InferenceRequest request) {
        long elapsed = System.nanoTime() - request.startNanos();
        InferenceError error = InferenceError.of(ErrorType.CLIENT_DISCONNECTED,
                "The client closed the connection before the model answered");
        return new InferenceOutcome(request, new ModelCall(null, error, elapsed, 1), error, Instant.now(), elapsed,
                TokenUsage.NONE, null);
    }

    public boolean succeeded() {
        return error == null;
    }

    public ModelResponse response() {
        return modelCall.response();
    }

    /** The production variant that answered, else the one asked for; for meters and logs. */
    public String variant() {
        ModelResponse response = response();
        if (response != null && response.invokedProductionVariant() != null) {
            return response.invokedProductionVariant();
        }
        return request.targetVariant();
    }

    public int httpStatus() {
        return succeeded() ? 200 : error.status();
    }

    public long modelLatencyNanos() {
        return Math.min(modelCall.latencyNanos(), totalNanos);
    }

    /** Time the gateway added on top of the model: parsing, the record write it waited for, the answer. */
    public long overheadNanos() {
        return totalNanos - modelLatencyNanos();
    }

    /** Milliseconds with microsecond precision, as records, logs and meters report latencies. */
    public static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
