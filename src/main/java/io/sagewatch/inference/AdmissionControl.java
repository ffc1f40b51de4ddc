package io.sagewatch.inference;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.metrics.InferenceMeters;

/**
 * Bounded concurrency: invocations in flight, per endpoint and in all. Over a bound a request is refused at once
 * (never queued, so overload cannot grow memory), with the error a SageMaker client retries with backoff: 429
 * ThrottlingException for a busy endpoint, 503 ServiceUnavailable for a busy gateway. Counted in InvocationsShed.
 */
@ApplicationScoped
public class AdmissionControl {

    private final SagewatchConfig config;
    private final InferenceMeters meters;
    private final AtomicInteger total = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
    private final Map<String, AtomicInteger> byEndpoint = new ConcurrentHashMap<>();
    private final int retryAfterSeconds;

    private final EndpointPolicies policies;

    AdmissionControl(SagewatchConfig config, EndpointPolicies policies, InferenceMeters meters) {
        this.config = config;
        this.policies = policies;
        this.meters = meters;
        this.retryAfterSeconds = (int) Math.max(1, (config.limits().retryAfter().toMillis() + 999) / 1000);
    }

    /**
     * Takes a slot (and {@code requestBytes} of the in-flight byte budget) for an invocation of an allowed endpoint, or
     * throws the refusal. Pair with {@link #release}.
     */
    public void admit(String endpoint, long requestBytes) {
        admitToEndpoint(endpoint);
        try {
            admitToGateway(endpoint, requestBytes);
        } catch (InferenceError refused) {
            byEndpoint.get(endpoint).decrementAndGet();
            throw refused;
        }
    }

    /**
     * The endpoint's slot alone, for a front that learns the endpoint from the body (the OpenAI front): it takes the
     * gateway's slot and bytes first, with {@link #admitToGateway}. Pair with {@link #releaseFromEndpoint}.
     */
    public void admitToEndpoint(String endpoint) {
        AtomicInteger inFlight = byEndpoint.computeIfAbsent(endpoint, name -> new AtomicInteger());
        int limit = endpointLimit(endpoint);
        if (inFlight.incrementAndGet() > limit) {
            inFlight.decrementAndGet();
            meters.recordShed(endpoint);
            throw InferenceError.refused(
                    ErrorType.THROTTLING,
                    429,
                    "Endpoint " + endpoint + " has " + limit
                            + " invocations in flight on this gateway, its limit; retry after " + retryAfterSeconds
                            + " s",
                    retryAfterSeconds);
        }
    }

    /**
     * The gateway's slot and {@code requestBytes} of its in-flight byte budget, before the body is read; a refusal is
     * metered under {@code meteredAs}. Pair with {@link #releaseFromGateway}.
     */
    public void admitToGateway(String meteredAs, long requestBytes) {
        String endpoint = meteredAs;
        if (total.incrementAndGet() > config.limits().maxConcurrent()) {
            total.decrementAndGet();
            meters.recordShed(endpoint);
            throw InferenceError.refused(
                    ErrorType.SERVICE_UNAVAILABLE,
                    503,
                    "The gateway has "
                            + config.limits().maxConcurrent() + " invocations in flight, its limit; retry after "
                            + retryAfterSeconds + " s",
                    retryAfterSeconds);
        }
        if (bytes.addAndGet(requestBytes) > config.limits().maxInFlightBytes()) {
            bytes.addAndGet(-requestBytes);
            total.decrementAndGet();
            meters.recordShed(endpoint);
            throw InferenceError.refused(
                    ErrorType.SERVICE_UNAVAILABLE,
                    503,
                    "The gateway holds "
                            + config.limits().maxInFlightBytes()
                            + " bytes of requests in flight, its limit; retry after "
                            + retryAfterSeconds + " s",
                    retryAfterSeconds);
        }
    }

    public void release(String endpoint, long requestBytes) {
        releaseFromGateway(requestBytes);
        releaseFromEndpoint(endpoint);
    }

    public void releaseFromGateway(long requestBytes) {
        bytes.addAndGet(-requestBytes);
        total.decrementAndGet();
    }

    public void releaseFromEndpoint(String endpoint) {
        byEndpoint.get(endpoint).decrementAndGet();
    }

    /** Invocations of the endpoint in flight on this replica. */
    public int inFlight(String endpoint) {
        AtomicInteger count = byEndpoint.get(endpoint);
        return count == null ? 0 : count.get();
    }

    /** Invocations in flight on this replica, every endpoint. */
    public int inFlight() {
        return total.get();
    }

    /** At most this many at once per replica for the endpoint (0: no limit of its own). */
    public int limit(String endpoint) {
        return endpointLimit(endpoint);
    }

    private int endpointLimit(String endpoint) {
        return policies.of(endpoint).maxConcurrent();
    }
}
