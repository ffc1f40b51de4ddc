package io.sagewatch.sagemaker;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelProvider;
import io.sagewatch.core.ModelResponse;
import io.smallrye.mutiny.Uni;

/**
 * Calls InvokeEndpoint without blocking, through the endpoint's circuit breaker; retries throttles and 503s within the
 * endpoint's deadline; never fails: see {@link ModelCall}.
 */
@ApplicationScoped
public class SageMakerProvider implements ModelProvider {

    private final SageMakerRuntimeClient client;
    private final SagewatchConfig.SageMaker config;
    private final EndpointPolicies policies;

    private final CircuitBreakers breakers;

    SageMakerProvider(SageMakerRuntimeClient client, CircuitBreakers breakers, EndpointPolicies policies,
            SagewatchConfig config) {
        this.client = client;
        this.breakers = breakers;
        this.config = config.sagemaker();
        this.policies = policies;
    }

    @Override
    public Uni<ModelCall> invoke(InferenceRequest request) {
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
            Duration deadline = timeout(endpoint);
            // the deadline below cancels the call; the idle timeout only guards against a leaked connection
            Duration idle = deadline.plusSeconds(5);
            Uni<ModelResponse> call = Uni.createFrom().deferred(() -> {
                attempts.incrementAndGet();
                return client.invoke(request, idle);
            }).onFailure().transform(SageMakerProvider::translate);
            if (config.throttleRetries() > 0) {
                Duration backoff = config.throttleBackoff();
                call = call.onFailure(SageMakerProvider::isRetryable).retry()
                        .withBackOff(backoff, backoff.multipliedBy(16)).withJitter(0.5)
                        .atMost(config.throttleRetries());
            }
            return call
                    .ifNoItem().after(deadline).failWith(() -> timeout(deadline))
                    .map(response -> new ModelCall(response, null, System.nanoTime() - start,
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
        return failure instanceof InferenceError error && error.origin() == InferenceError.Origin.UPSTREAM
                && (error.is(ErrorType.THROTTLING) || error.is(ErrorType.SERVICE_UNAVAILABLE));
    }

    private Duration timeout(String endpoint) {
        return policies.of(endpoint).timeout();
    }

    private static InferenceError timeout(Duration timeout) {
        return InferenceError.deadline("Sagewatch received no answer from the model within " + timeout.toMillis()
                + " ms; the invocation was cancelled.");
    }

    /** Any failure as an {@link InferenceError}; the runtime client raises those already. */
    static InferenceError translate(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (cause instanceof InferenceError error) {
            return error;
        }
        return InferenceError.of(ErrorType.INTERNAL_FAILURE, "Sagewatch failed to invoke the endpoint: " + cause,
                cause);
    }
}
