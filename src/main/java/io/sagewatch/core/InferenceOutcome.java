package io.sagewatch.core;

import java.time.Instant;

/**
 * How one inference ended. The answer (in each front's wire format), the record, the meters and the log line are all
 * derived from this one value.
 *
 * @param replayOf when a guard answered with an earlier inference's outcome (an idempotent replay): that inference's
 *     id; else null
 * @param stream how a streamed answer went, once its stream began (the response then holds the parts reassembled,
 *     see {@link StreamStats#truncated()}); null for a plain invocation, or a stream that never began
 */
public record InferenceOutcome(
        InferenceRequest request,
        ModelCall modelCall,
        InferenceError error,
        Instant finishedAt,
        long totalNanos,
        TokenUsage tokens,
        Double costUsd,
        String replayOf,
        StreamStats stream) {

    /** The longest answer kept for an idempotent replay: DynamoDB items hold 400 KB, with room for the rest. */
    public static final int MAX_REPLAYED_BYTES = 300 * 1024;

    public static InferenceOutcome of(InferenceRequest request, ModelCall call, TokenUsage tokens, Double costUsd) {
        return new InferenceOutcome(
                request,
                call,
                call.error(),
                Instant.now(),
                System.nanoTime() - request.startNanos(),
                tokens,
                costUsd,
                null,
                null);
    }

    /** A stream that began, ended by its last part, an error inside it, or the client leaving. */
    public static InferenceOutcome streamed(
            InferenceRequest request, ModelCall call, TokenUsage tokens, Double costUsd, StreamStats stream) {
        return new InferenceOutcome(
                request,
                call,
                call.error(),
                Instant.now(),
                System.nanoTime() - request.startNanos(),
                tokens,
                costUsd,
                null,
                stream);
    }

    /** A guard's refusal: the model was not called. */
    public static InferenceOutcome refused(InferenceRequest request, InferenceError error) {
        long elapsed = System.nanoTime() - request.startNanos();
        return new InferenceOutcome(
                request,
                new ModelCall(null, error, 0, 0),
                error,
                Instant.now(),
                elapsed,
                TokenUsage.NONE,
                null,
                null,
                null);
    }

    /** An earlier inference's answer given again (exactly one of response and error is set); the model was not called. */
    public static InferenceOutcome replay(
            InferenceRequest request, String originalInferenceId, ModelResponse response, InferenceError error) {
        long elapsed = System.nanoTime() - request.startNanos();
        return new InferenceOutcome(
                request,
                new ModelCall(response, error, 0, 0),
                error,
                Instant.now(),
                elapsed,
                TokenUsage.NONE,
                null,
                originalInferenceId,
                null);
    }

    /** The client went away before the model answered; the upstream call was cancelled. */
    public static InferenceOutcome disconnected(InferenceRequest request) {
        long elapsed = System.nanoTime() - request.startNanos();
        InferenceError error = InferenceError.of(
                ErrorType.CLIENT_DISCONNECTED, "The client closed the connection before the model answered");
        return new InferenceOutcome(
                request,
                new ModelCall(null, error, elapsed, 1),
                error,
                Instant.now(),
                elapsed,
                TokenUsage.NONE,
                null,
                null,
                null);
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

    /** The status the client got: a stream that began was answered 200 whatever happened inside it. */
    public int httpStatus() {
        if (succeeded()) {
            return 200;
        }
        if (stream != null && !error.is(ErrorType.CLIENT_DISCONNECTED)) {
            return 200;
        }
        return error.status();
    }

    /** The status of the error's class (a failed stream's too), for error counts; 200 when it succeeded. */
    public int errorStatus() {
        return succeeded() ? 200 : error.status();
    }

    public boolean streamed() {
        return stream != null;
    }

    /** Bytes of the answer: the body, or every part a stream handed to the client. */
    public Long responseBytes() {
        if (stream != null) {
            return stream.bytes();
        }
        return response() == null ? null : (long) response().body().length;
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
