package io.sagewatch.sagemaker;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.inference.ErrorType;
import io.sagewatch.inference.InferenceError;
import io.sagewatch.inference.InferenceRequest;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointRequest;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;
import software.amazon.awssdk.services.sagemakerruntime.model.ModelErrorException;

/**
 * Calls InvokeEndpoint without blocking, through the endpoint's circuit breaker; retries throttles and 503s within the
 * endpoint's deadline; never fails: see {@link ModelCall}.
 */
@ApplicationScoped
public class SageMakerInvoker {

    private final SageMakerRuntimeAsyncClient client;
    private final SagewatchConfig.SageMaker config;
    private final java.util.Map<String, SagewatchConfig.EndpointSettings> endpoints;

    private final CircuitBreakers breakers;

    SageMakerInvoker(SageMakerRuntimeAsyncClient client, CircuitBreakers breakers, SagewatchConfig config) {
        this.client = client;
        this.breakers = breakers;
        this.config = config.sagemaker();
        this.endpoints = config.endpoint();
    }

    public Uni<ModelCall> invoke(InferenceRequest request) {
        InvokeEndpointRequest sdkRequest = toSdkRequest(request);
        String endpoint = request.endpointName();
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            CircuitBreakers.Permit permit;
            try {
                permit = breakers.acquire(endpoint);
            } catch (InferenceError open) {
                return Uni.createFrom().item(new ModelCall(null, open, System.nanoTime() - start, 0));
            }
            AtomicInteger attempts = new AtomicInteger();
            Uni<InvokeEndpointResponse> call = Uni.createFrom()
                    .completionStage(() -> {
                        attempts.incrementAndGet();
                        return client.invokeEndpoint(sdkRequest);
                    })
                    .onFailure().transform(SageMakerInvoker::translate);
            if (config.throttleRetries() > 0) {
                Duration backoff = config.throttleBackoff();
                call = call.onFailure(SageMakerInvoker::isRetryable).retry()
                        .withBackOff(backoff, backoff.multipliedBy(16)).withJitter(0.5)
                        .atMost(config.throttleRetries());
            }
            Duration deadline = timeout(endpoint);
            return call
                    .ifNoItem().after(deadline).failWith(() -> timeout(deadline))
                    .map(response -> new ModelCall(toModelResponse(response), null, System.nanoTime() - start,
                            attempts.get()))
                    .onFailure().recoverWithItem(failure -> new ModelCall(null, translate(failure),
                            System.nanoTime() - start, Math.max(1, attempts.get())))
                    .invoke(done -> breakers.completed(endpoint, permit, done.error()))
                    .onCancellation().invoke(() -> breakers.abandoned(endpoint, permit));
        });
    }

    /**
     * Throttling and SageMaker's own ServiceUnavailable (503) say "try again". A failure to reach SageMaker is not
     * retried here: the request may have been delivered, and an inference is not idempotent.
     */
    static boolean isRetryable(Throwable failure) {
        return failure instanceof InferenceError error && (error.is(ErrorType.THROTTLING)
                || (error.is(ErrorType.SERVICE_UNAVAILABLE) && error.rawBody() != null));
    }

    private Duration timeout(String endpoint) {
        var settings = endpoints.get(endpoint);
        return settings != null && settings.timeout().isPresent() ? settings.timeout().get() : config.timeout();
    }

    private static InferenceError timeout(Duration timeout) {
        return InferenceError.modelError("Sagewatch received no answer from the model within " + timeout.toMillis()
                + " ms; the invocation was cancelled.", 504, "Gateway deadline exceeded", null);
    }

    /** SDK failures in SageMaker's own terms; service errors keep SageMaker's body byte for byte. */
    static InferenceError translate(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (cause instanceof InferenceError error) {
            return error;
        }
        if (cause instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            var details = service.awsErrorDetails();
            String code = details.errorCode();
            byte[] raw = details.rawResponse() == null ? null : details.rawResponse().asByteArray();
            if (code == null || code.isBlank()) {
                // Not a SageMaker-protocol answer (a proxy's HTML page, say): describe it, don't relay it.
                ErrorType type = service.statusCode() >= 500 ? ErrorType.INTERNAL_DEPENDENCY : ErrorType.VALIDATION_ERROR;
                return InferenceError.of(type, "SageMaker answered HTTP " + service.statusCode()
                        + " without an error code", service);
            }
            String message = details.errorMessage() != null ? details.errorMessage() : service.getMessage();
            if (service instanceof ModelErrorException model) {
                return InferenceError.upstream(code, service.statusCode(), message, model.originalStatusCode(),
                        model.originalMessage(), model.logStreamArn(), raw);
            }
            return InferenceError.upstream(code, service.statusCode(), message, null, null, null, raw);
        }
        if (cause instanceof SdkClientException) {
            return InferenceError.of(ErrorType.SERVICE_UNAVAILABLE,
                    "Sagewatch could not reach SageMaker: " + cause.getMessage(), cause);
        }
        return InferenceError.of(ErrorType.INTERNAL_FAILURE, "Sagewatch failed to invoke the endpoint: " + cause,
                cause);
    }

    private static InvokeEndpointRequest toSdkRequest(InferenceRequest r) {
        return InvokeEndpointRequest.builder()
                .endpointName(r.endpointName())
                .body(SdkBytes.fromByteArrayUnsafe(r.body()))
                .contentType(r.contentType())
                .accept(r.accept())
                .customAttributes(r.customAttributes())
                .targetModel(r.targetModel())
                .targetVariant(r.targetVariant())
                .targetContainerHostname(r.targetContainerHostname())
                .inferenceId(r.inferenceId())
                .inferenceComponentName(r.inferenceComponentName())
                .sessionId(r.sessionId())
                .enableExplanations(r.enableExplanations())
                .build();
    }

    private static ModelResponse toModelResponse(InvokeEndpointResponse r) {
        return new ModelResponse(r.body() == null ? new byte[0] : r.body().asByteArrayUnsafe(), r.contentType(),
                r.invokedProductionVariant(), r.customAttributes(), r.newSessionId(), r.closedSessionId());
    }
}
