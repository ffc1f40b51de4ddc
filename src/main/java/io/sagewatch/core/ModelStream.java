package io.sagewatch.core;

import io.smallrye.mutiny.Multi;

/**
 * A streaming invocation as the model host began it: either its head and its parts, or an error before any part (then
 * nothing was streamed and the error is answered as for a plain invocation).
 *
 * @param head what the answer's headers say (content type, variant, custom attributes); its body is empty
 * @param parts the parts as they come, on demand (a slow reader pauses the upstream read); fails with an
 *     {@link InferenceError} when the stream breaks, times out or carries an error event; cancelling it abandons the
 *     call upstream
 * @param callStartNanos {@link System#nanoTime()} when the first attempt started: the model's time to first part is
 *     measured from here
 * @param attempts calls made upstream (more than one after throttling, always before any part)
 */
public record ModelStream(
        ModelResponse head,
        Multi<StreamPart> parts,
        InferenceError error,
        long callStartNanos,
        long headNanos,
        int attempts) {

    public static ModelStream started(ModelResponse head, Multi<StreamPart> parts, long callStartNanos, int attempts) {
        return new ModelStream(head, parts, null, callStartNanos, System.nanoTime() - callStartNanos, attempts);
    }

    public static ModelStream failed(InferenceError error, long callStartNanos, int attempts) {
        return new ModelStream(null, null, error, callStartNanos, System.nanoTime() - callStartNanos, attempts);
    }

    public boolean started() {
        return error == null;
    }
}
