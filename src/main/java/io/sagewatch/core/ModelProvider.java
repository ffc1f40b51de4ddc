package io.sagewatch.core;

import io.smallrye.mutiny.Uni;

/**
 * Where inferences are answered: SageMaker today (its resilience wrapped around it), any model host tomorrow. The
 * pipeline knows only this.
 */
public interface ModelProvider {

    /**
     * One request/response invocation, settled either way: the Uni never fails, a failure is a {@link ModelCall}
     * with its error. Cancelling it abandons the call upstream.
     */
    Uni<ModelCall> invoke(InferenceRequest request);

    /**
     * One streaming invocation: the Uni never fails and completes when the stream has begun (its head) or could not
     * (an error before any part); see {@link ModelStream}. Cancelling it, or its parts, abandons the call upstream.
     */
    Uni<ModelStream> stream(InferenceRequest request);
}
