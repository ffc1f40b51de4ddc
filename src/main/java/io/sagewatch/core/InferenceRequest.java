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
 * @param front the wire format the request came in: {@value #SAGEMAKER_FRONT} or {@value #OPENAI_FRONT}
 * @param model the model the client named (the OpenAI front's {@code model}), or null
 * @param upstreamPath the path under the endpoint the model host is called on (SageMaker's OpenAI route
 *     {@code openai/v1/chat/completions}), or null for the endpoint's own invocation (InvokeEndpoint)
 * @param operation what the client asked of the model in the OpenTelemetry GenAI conventions' terms ({@code chat},
 *     {@code text_completion}, {@code embeddings}), or null for an invocation of the endpoint's own protocol
 * @param trace the distributed trace the request is part of, or null when tracing is off
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
        String idempotencyKey,
        String front,
        String model,
        String upstreamPath,
        String operation,
        InferenceTrace trace) {

    public static final String SAGEMAKER_FRONT = "sagemaker";
    public static final String OPENAI_FRONT = "openai";

    /** A request in SageMaker's runtime protocol. */
    public InferenceRequest(
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
            String idempotencyKey) {
        this(
                requestId,
                inferenceId,
                endpointName,
                body,
                contentType,
                accept,
                customAttributes,
                targetModel,
                targetVariant,
                targetContainerHostname,
                inferenceComponentName,
                sessionId,
                enableExplanations,
                receivedAt,
                startNanos,
                caller,
                idempotencyKey,
                SAGEMAKER_FRONT,
                null,
                null,
                null,
                null);
    }

    /** The same request, part of {@code trace}. */
    public InferenceRequest withTrace(InferenceTrace trace) {
        return new InferenceRequest(
                requestId,
                inferenceId,
                endpointName,
                body,
                contentType,
                accept,
                customAttributes,
                targetModel,
                targetVariant,
                targetContainerHostname,
                inferenceComponentName,
                sessionId,
                enableExplanations,
                receivedAt,
                startNanos,
                caller,
                idempotencyKey,
                front,
                model,
                upstreamPath,
                operation,
                trace);
    }
}
