package io.sagewatch.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What hangs off an inference (meters, the log line, the record, model health), registered as a bean and called by
 * the pipeline in priority order ({@code jakarta.annotation.Priority} with its {@link PipelineOrder} constant, highest
 * first). What it reports of an outcome it takes from {@link InferenceFields}, so that every sink names a quantity
 * alike. Observers never fail the
 * inference: the stages they return complete normally, whatever happened to their own work.
 */
public interface InferenceObserver {

    CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    /**
     * The request is accepted and the model call starts beside this. The answer waits for the stage returned (the
     * in-progress record: evidence that an answered inference happened), so keep it short or return {@link #DONE}.
     */
    default CompletionStage<Void> started(InferenceRequest request) {
        return DONE;
    }

    /** A stream began (its head came); {@link #settled} follows once it has ended. */
    default void streamStarted(InferenceRequest request, ModelResponse head) {}

    /**
     * One part of a stream was handed to the client. Called on the request path for every part: keep it to a few
     * nanoseconds of work.
     *
     * @param gapNanos since the previous part was handed over; -1 for the first part
     */
    default void partDelivered(InferenceRequest request, ModelResponse head, long gapNanos) {}

    /**
     * Called once per started request with how it ended (a client that left included). The answer waits for the stage
     * returned: return {@link #DONE} unless the answer must wait (a Lambda that is frozen after it).
     */
    CompletionStage<Void> settled(InferenceOutcome outcome);

    /** After every observer's {@link #settled} stage completed, just before the answer (to flush what waits for it). */
    default void completed(InferenceOutcome outcome) {}
}
