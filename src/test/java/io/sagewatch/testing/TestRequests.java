package io.sagewatch.testing;

import java.time.Instant;

import io.sagewatch.core.InferenceRequest;

/** An InferenceRequest in SageMaker's protocol with only what unit tests vary; the rest as a bare InvokeEndpoint. */
public final class TestRequests {

    private TestRequests() {}

    public static InferenceRequest of(
            String requestId, String inferenceId, String endpoint, byte[] body, String contentType, long startNanos) {
        return new InferenceRequest(
                requestId,
                inferenceId,
                endpoint,
                body,
                contentType,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                Instant.now(),
                startNanos,
                null,
                null);
    }
}
