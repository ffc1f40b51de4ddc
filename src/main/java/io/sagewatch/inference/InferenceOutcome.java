package io.sagewatch.inference;

import java.time.Instant;

import io.sagewatch.sagemaker.ModelCall;
import io.sagewatch.sagemaker.ModelResponse;

/**
 * How one inference ended. The record, the response and (later) the meters and the log line are all derived from
 * this one value, never from the resource.
 */
public record InferenceOutcome(InferenceRequest request, ModelCall modelCall, InferenceError error,
        Instant finishedAt, long totalNanos) {

    public static InferenceOutcome of(InferenceRequest request, ModelCall call) {
        return new InferenceOutcome(request, call, call.error(), Instant.now(), System.nanoTime() - request.startNanos());
    }

    /** The client went away before the model answered; the upstream call was cancelled. */
    public static InferenceOutcome disconnected(InferenceRequest request) {
        long elapsed = System.nanoTime() - request.startNanos();
        InferenceError error = InferenceError.of(ErrorType.CLIENT_DISCONNECTED,
                "The client closed the connection before the model answered");
        return new InferenceOutcome(request, new ModelCall(null, error, elapsed, 1), error, Instant.now(), elapsed);
    }

    public boolean succeeded() {
        return error == null;
    }

    public ModelResponse response() {
        return modelCall.response();
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
}
