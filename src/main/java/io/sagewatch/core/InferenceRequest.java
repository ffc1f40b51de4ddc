package io.sagewatch.core;

import java.time.Instant;

/**
 * One validated invocation as the client sent it: the body is passed to the model unchanged.
 *
 * @param requestId the gateway's own id of this HTTP request (unique, time-ordered)
 * @param inferenceId the client's {@code X-Amzn-SageMaker-Inference-Id}, else the request id
 * @param startNanos {@link System#nanoTime()} when the request was accepted, the origin of every latency
 * @param caller the name of the API key the request carried, or null when API keys are off
 * @param idempotencyKey the client's key for at-most-once execution, or null
 */
public record InferenceRequest(
        String requestId,
        String inferenceId,
        String endpointName,
        byte[] body,
        String contentType,
        String accept,
        String customAttributes,
        String targetModel,
        String targetVariant,
        String targetContainerHostname,
        String inferenceComponentName,
        String sessionId,
        String enableExplanations,
        Instant receivedAt,
        long startNanos,
        String caller,
        String idempotencyKey) {}
