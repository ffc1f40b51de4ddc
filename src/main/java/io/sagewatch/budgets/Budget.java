package io.sagewatch.budgets;

import java.time.Instant;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceRequest;

/**
 * One budget as configured: which requests it counts (every scope condition set must hold), its window, and its
 * limits per {@link Dimension} ({@link #NONE}: not limited).
 */
public record Budget(
        String name,
        String caller,
        String endpoint,
        String model,
        long periodSeconds,
        long[] limits,
        boolean closedOnTableFailure,
        long defaultOutputTokens) {

    static final long NONE = -1;

    static Budget of(String name, SagewatchConfig.Budget settings) {
        long[] limits = {NONE, NONE, NONE};
        settings.requests().ifPresent(v -> limits[Dimension.REQUESTS.ordinal()] = v);
        settings.tokens().ifPresent(v -> limits[Dimension.TOKENS.ordinal()] = v);
        settings.costUsd().ifPresent(v -> limits[Dimension.COST.ordinal()] = Math.round(v * Dimension.NANOS_PER_USD));
        return new Budget(
                name,
                settings.scope().caller().orElse(null),
                settings.scope().endpoint().orElse(null),
                settings.scope().model().orElse(null),
                settings.period().getSeconds(),
                limits,
                "closed".equals(settings.onTableFailure()),
                settings.defaultOutputTokens());
    }

    boolean matches(InferenceRequest request) {
        return (caller == null || caller.equals(request.caller()))
                && (endpoint == null || endpoint.equals(request.endpointName()))
                && (model == null || model.equals(request.model()));
    }

    boolean limits(Dimension dimension) {
        return limits[dimension.ordinal()] != NONE;
    }

    long limit(Dimension dimension) {
        return limits[dimension.ordinal()];
    }

    /** Counts tokens or cost, so a request's tokens must be estimated. */
    boolean countsTokens() {
        return limits(Dimension.TOKENS) || limits(Dimension.COST);
    }

    /** A quota over a period (longer than a minute), rather than a rate. */
    boolean quota() {
        return periodSeconds > 60;
    }

    /** The start of the window {@code epochSecond} falls in: windows are multiples of the period since the epoch. */
    long windowStart(long epochSecond) {
        return epochSecond - Math.floorMod(epochSecond, periodSeconds);
    }

    static Instant instant(long epochSecond) {
        return Instant.ofEpochSecond(epochSecond);
    }
}
