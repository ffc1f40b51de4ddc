package io.sagewatch.inference;

import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelResponse;
import io.smallrye.mutiny.Multi;

/**
 * A streaming invocation as the pipeline hands it to a front: either answered whole (a guard's refusal or replay, an
 * error before any part: {@code whole} is set and settled), or live: the head, then the parts. The parts end once every
 * observer has settled; a failure among them is an {@link io.sagewatch.core.InferenceError} to relay inside the stream.
 */
public record StreamAnswer(InferenceRequest request, InferenceOutcome whole, ModelResponse head, Multi<byte[]> parts) {

    static StreamAnswer whole(InferenceOutcome outcome) {
        return new StreamAnswer(outcome.request(), outcome, null, null);
    }

    static StreamAnswer live(InferenceRequest request, ModelResponse head, Multi<byte[]> parts) {
        return new StreamAnswer(request, null, head, parts);
    }

    public boolean isLive() {
        return whole == null;
    }
}
