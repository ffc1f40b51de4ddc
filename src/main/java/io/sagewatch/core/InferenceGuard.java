package io.sagewatch.core;

import io.smallrye.mutiny.Uni;

/**
 * A check around the model call (idempotency now; budgets next), registered as a bean and applied by the pipeline in
 * priority order ({@code jakarta.annotation.Priority} with its {@link PipelineOrder} constant, highest first,
 * outermost), to calls and streams alike. Symmetric: every request a guard let
 * through comes back to its {@link #after}, exactly once, with how it ended: a client that left included.
 *
 * @param <T> what the guard needs to remember of one request between before and after (a claim, a reservation)
 */
public interface InferenceGuard<T> {

    /** Whether this guard has anything to do for the request; if not, it is skipped both ways (no cost). */
    default boolean appliesTo(InferenceRequest request) {
        return true;
    }

    /** Before the model call: let the request through, or answer it here (a replay, a refusal). Never fails. */
    Uni<Verdict<T>> before(InferenceRequest request);

    /** After the outcome of a request this guard let through; the answer waits for it. Never fails. */
    Uni<Void> after(InferenceRequest request, T ticket, InferenceOutcome outcome);

    /**
     * What {@link #before} decided: go on with a ticket, or this outcome is the answer. An answer that
     * {@link #settles()} is an inference of its own (a refusal: recorded, logged and measured like any other); one that
     * does not repeats an earlier inference (an idempotent replay) and leaves no new trace.
     */
    record Verdict<T>(T ticket, InferenceOutcome answer, boolean settles) {

        public static <T> Verdict<T> proceed(T ticket) {
            return new Verdict<>(ticket, null, false);
        }

        /** Answered here, without a record of its own (a replay of an earlier inference, a duplicate's conflict). */
        public static <T> Verdict<T> answer(InferenceOutcome answer) {
            return new Verdict<>(null, answer, false);
        }

        /** Refused here: the observers hear of it as of any settled inference (the model was not called). */
        public static <T> Verdict<T> refuse(InferenceOutcome refusal) {
            return new Verdict<>(null, refusal, true);
        }

        public boolean proceeds() {
            return answer == null;
        }
    }
}
