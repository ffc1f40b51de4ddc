package io.sagewatch.sagemaker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.Futures;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.InferenceTrace;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelProvider;
import io.sagewatch.core.ModelStream;
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

    SageMakerProvider(
            SageMakerRuntimeClient client,
            CircuitBreakers breakers,
            EndpointPolicies policies,
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
            return retried(request, attempts, () -> client.invoke(request, idle))
                    .ifNoItem()
                    .after(deadline)
                    .failWith(() -> timeout(deadline))
                    .map(response -> new ModelCall(response, null, System.nanoTime() - start, attempts.get()))
                    .onFailure()
                    .recoverWithItem(failure -> new ModelCall(
                            null, translate(failure), System.nanoTime() - start, Math.max(1, attempts.get())))
                    .invoke(done -> breakers.completed(endpoint, permit, done.error()))
                    .onCancellation()
                    .invoke(() -> breakers.abandoned(endpoint, permit));
        });
    }

    /**
     * A streaming call through the same circuit, retries and first deadline as {@link #invoke}: retries only before the
     * stream begins (nothing has reached the client then). The endpoint's timeout bounds the wait for the head and
     * for the first part; {@code stream-silence-timeout} the gaps between parts. The circuit hears how the stream
     * ended, not how it began.
     */
    @Override
    public Uni<ModelStream> stream(InferenceRequest request) {
        String endpoint = request.endpointName();
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            CircuitBreakers.Permit permit;
            try {
                permit = breakers.acquire(endpoint);
            } catch (InferenceError open) {
                return Uni.createFrom().item(ModelStream.failed(open, start, 0));
            }
            AtomicInteger attempts = new AtomicInteger();
            EndpointPolicies.Policy policy = policies.of(endpoint);
            Duration deadline = policy.timeout();
            long firstPartBy = start + deadline.toNanos();
            // the circuit hears once per permit: how the stream ended, or that it was given up
            AtomicBoolean told = new AtomicBoolean();
            Consumer<InferenceError> ended = error -> {
                if (told.compareAndSet(false, true)) {
                    breakers.completed(endpoint, permit, error);
                }
            };
            Runnable abandoned = () -> {
                if (told.compareAndSet(false, true)) {
                    breakers.abandoned(endpoint, permit);
                }
            };
            return retried(request, attempts, () -> client.stream(request, firstPartBy, policy.streamSilenceTimeout()))
                    .ifNoItem()
                    .after(deadline)
                    .failWith(() -> timeout(deadline))
                    .map(started -> ModelStream.started(
                            started.head(),
                            started.parts()
                                    .onCompletion()
                                    .invoke(() -> ended.accept(null))
                                    .onFailure()
                                    .invoke(failure -> ended.accept(translate(failure)))
                                    .onCancellation()
                                    .invoke(abandoned),
                            start,
                            attempts.get()))
                    .onFailure()
                    .recoverWithItem(failure -> {
                        InferenceError error = translate(failure);
                        ended.accept(error);
                        return ModelStream.failed(error, start, Math.max(1, attempts.get()));
                    })
                    .onCancellation()
                    .invoke(abandoned);
        });
    }

    /**
     * One call, counted, and tried again after throttling (see {@link #isRetryable}) with jittered backoff; the
     * request's trace hears of each retry.
     */
    private <T> Uni<T> retried(InferenceRequest request, AtomicInteger attempts, Supplier<Uni<T>> attempt) {
        Uni<T> call = Uni.createFrom()
                .deferred(() -> {
                    attempts.incrementAndGet();
                    return attempt.get();
                })
                .onFailure()
                .transform(SageMakerProvider::translate);
        if (config.throttleRetries() > 0) {
            Duration backoff = config.throttleBackoff();
            InferenceTrace trace = request.trace();
            if (trace != null) {
                call = call.onFailure(SageMakerProvider::isRetryable).invoke(failure -> {
                    if (attempts.get() <= config.throttleRetries()) {
                        trace.retrying(attempts.get(), (InferenceError) failure);
                    }
                });
            }
            call = call.onFailure(SageMakerProvider::isRetryable)
                    .retry()
                    .withBackOff(backoff, backoff.multipliedBy(16))
                    .withJitter(0.5)
                    .atMost(config.throttleRetries());
        }
        return call;
    }

    /**
     * Throttling and SageMaker's own ServiceUnavailable (503) say "try again". A failure to reach SageMaker is not
     * retried here: the request may have been delivered, and an inference is not idempotent.
     */
    static boolean isRetryable(Throwable failure) {
        return failure instanceof InferenceError error
                && error.origin() == InferenceError.Origin.UPSTREAM
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
        Throwable cause = Futures.unwrap(failure);
        if (cause instanceof InferenceError error) {
            return error;
        }
        return InferenceError.of(
                ErrorType.INTERNAL_FAILURE, "Sagewatch failed to invoke the endpoint: " + cause, cause);
    }
}
