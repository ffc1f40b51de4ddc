package io.sagewatch.inference;

import java.util.function.Supplier;

import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelResponse;
import io.smallrye.mutiny.Multi;

/**
 * A streaming invocation as the pipeline hands it to a front: either answered whole (a guard's refusal or replay, an
 * error before any part: {@code whole} is set and settled), or live: the head, then the parts. The parts end once every
 * observer has settled; a failure among them is an {@link io.sagewatch.core.InferenceError} to relay inside the stream.
 */
public record StreamAnswer(
        InferenceRequest request,
        InferenceOutcome whole,
        ModelResponse head,
        Multi<byte[]> parts,
        Supplier<InferenceOutcome> settled) {

    static StreamAnswer whole(InferenceOutcome outcome) {
        return new StreamAnswer(outcome.request(), outcome, null, null, () -> outcome);
    }

    static StreamAnswer live(
            InferenceRequest request, ModelResponse head, Multi<byte[]> parts, Supplier<InferenceOutcome> settled) {
        return new StreamAnswer(request, null, head, parts, settled);
    }

    /**
     * How the stream went, for a front that answers with a summary at its end (the OpenAI front's usage chunk): set
     * once the parts have completed, before the front hears of it; null until then.
     */
    public InferenceOutcome outcome() {
        return settled.get();
    }

    public boolean isLive() {
        return whole == null;
    }
}
