package io.sagewatch.sagemaker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;

/**
 * One circuit per endpoint. Closed: calls pass, consecutive server failures are counted. Open (threshold reached):
 * calls are refused at once with a 503 and Retry-After, sparing a failing endpoint and the callers' time. After
 * open-for, half-open: one probe passes; its success closes the circuit, its failure opens it again.
 */
@ApplicationScoped
public class CircuitBreakers {

    private final int threshold;
    private final long openForNanos;
    private final Map<String, Circuit> circuits = new ConcurrentHashMap<>();

    CircuitBreakers(SagewatchConfig config) {
        this.threshold = config.sagemaker().circuitBreaker().failureThreshold();
        this.openForNanos = config.sagemaker().circuitBreaker().openFor().toNanos();
    }

    /** A call's permit: pass it to {@link #completed}, or {@link #abandoned} when the call never finished. */
    public enum Permit {
        CALL,
        PROBE
    }

    /** Lets the call through (CALL, or PROBE when half-open), or throws the refusal. */
    public Permit acquire(String endpoint) {
        if (threshold <= 0) {
            return Permit.CALL;
        }
        Circuit circuit = circuits.computeIfAbsent(endpoint, name -> new Circuit());
        synchronized (circuit) {
            if (circuit.openedAt == 0) {
                return Permit.CALL;
            }
            long now = System.nanoTime();
            long left = circuit.openedAt + openForNanos - now;
            if (left <= 0 && !circuit.probing) {
                circuit.probing = true;
                return Permit.PROBE;
            }
            int retryAfter = (int) Math.max(1, (Math.max(left, 0) + 999_999_999L) / 1_000_000_000L);
            throw InferenceError.refused(
                    ErrorType.SERVICE_UNAVAILABLE,
                    503,
                    "Endpoint " + endpoint + " failed "
                            + threshold
                            + " times in a row; Sagewatch stops calling it for a while (circuit open). Retry after "
                            + retryAfter + " s",
                    retryAfter);
        }
    }

    /** For a person to read: "closed" (calls go through), "open" (refused for a while) or "probing" (one call let through). */
    public String state(String endpoint) {
        Circuit circuit = circuits.get(endpoint);
        if (threshold <= 0 || circuit == null) {
            return "closed";
        }
        synchronized (circuit) {
            return circuit.openedAt == 0 ? "closed" : circuit.probing ? "probing" : "open";
        }
    }

    public void completed(String endpoint, Permit permit, InferenceError error) {
        if (threshold <= 0) {
            return;
        }
        Circuit circuit = circuits.get(endpoint);
        synchronized (circuit) {
            if (permit == Permit.PROBE) {
                circuit.probing = false;
            }
            if (error == null || !isServerFailure(error)) {
                circuit.failures = 0;
                circuit.openedAt = 0;
            } else if (permit == Permit.PROBE || ++circuit.failures >= threshold) {
                circuit.openedAt = System.nanoTime();
            }
        }
    }

    /** The call was cancelled (the client left): a probe must not keep the circuit half-open for ever. */
    public void abandoned(String endpoint, Permit permit) {
        if (permit == Permit.PROBE) {
            Circuit circuit = circuits.get(endpoint);
            synchronized (circuit) {
                circuit.probing = false;
            }
        }
    }

    /** What says the endpoint (or the way to it) is failing, rather than the request or the load. */
    static boolean isServerFailure(InferenceError error) {
        if (error.is(ErrorType.THROTTLING) || error.is(ErrorType.MODEL_NOT_READY)) {
            return false;
        }
        return switch (error.origin()) {
            // a hung endpoint, or one that cannot be reached
            case DEADLINE, TRANSPORT -> true;
            // a model's 4xx/5xx answer (ModelError) is about the request; SageMaker's own 5xx are about the endpoint
            case UPSTREAM -> !error.is(ErrorType.MODEL_ERROR) && error.status() >= 500;
            // the gateway's own refusals (an open circuit among them) say nothing about the endpoint
            case GATEWAY -> false;
        };
    }

    private static final class Circuit {
        int failures;
        long openedAt;
        boolean probing;
    }
}
