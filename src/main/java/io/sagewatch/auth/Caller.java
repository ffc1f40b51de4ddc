package io.sagewatch.auth;

import java.util.Set;

/**
 * Who sent a request: the name of the API key it carried (never the key), and the endpoints that key may use (null:
 * every endpoint on the allowlist), and whether it may change what the gateway holds (model-health baselines).
 * {@link #ANONYMOUS} when API keys are off: every endpoint, admin included, as for every other route.
 */
public record Caller(String name, Set<String> endpoints, boolean admin) {

    public static final Caller ANONYMOUS = new Caller(null, null, true);

    /** Where a filter leaves the caller for the resource (a Vert.x RoutingContext key). */
    public static final String CONTEXT_KEY = "sagewatch.caller";

    public boolean mayUse(String endpoint) {
        return endpoints == null || endpoints.contains(endpoint);
    }
}
