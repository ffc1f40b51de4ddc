package io.sagewatch.core;

/**
 * The upstream half of an inference, settled either way: exactly one of {@code response} and {@code error} is set.
 *
 * @param latencyNanos from the first attempt's start to the last attempt's end (the model's share of the latency)
 * @param attempts calls made to SageMaker (more than one after throttling)
 */
public record ModelCall(ModelResponse response, InferenceError error, long latencyNanos, int attempts) {

    public boolean succeeded() {
        return error == null;
    }
}
