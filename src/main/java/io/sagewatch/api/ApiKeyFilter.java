package io.sagewatch.api;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.sagewatch.auth.ApiKeys;
import io.sagewatch.auth.Caller;
import io.sagewatch.auth.ConsoleSession;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Routes are protected by default. Every HTTP request, whatever serves it (the fronts, the meters, the Dev UI), needs an
 * API key when keys are on, unless its path is on {@link #PUBLIC}; a new route is public only by being added there.
 * Then, on every route that names an endpoint, the door check: a valid, allowed endpoint name, and a key that may use
 * it. Both run before the concurrency slot is taken and before the body is read.
 */
@ApplicationScoped
public class ApiKeyFilter {

    /**
     * The public routes, by path prefix: health (load balancers and Lambda probes carry no key) and the OpenAPI
     * document (what a client needs to know to call with a key).
     */
    public static final List<String> PUBLIC = List.of(
            "/q/health",
            "/q/openapi",
            // the console's sign-in form, and its style sheets and scripts (no data in either)
            "/console/sign-in",
            "/console/assets",
            "/console/vendor");

    /** Before Quarkus' own route handlers; after nothing that reads the body. */
    static final int FILTER_PRIORITY = 1_000;

    private final ApiKeys keys;
    private final EndpointAccess access;

    ApiKeyFilter(ApiKeys keys, EndpointAccess access) {
        this.keys = keys;
        this.access = access;
    }

    public static boolean isPublic(String path) {
        if (path == null) {
            return false;
        }
        for (String prefix : PUBLIC) {
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                return true;
            }
        }
        return false;
    }

    void register(@Observes Filters filters) {
        filters.register(this::authenticate, FILTER_PRIORITY);
    }

    /** Who is calling: the caller goes into the routing context, or the request is refused here. */
    void authenticate(RoutingContext routing) {
        String path = routing.normalizedPath();
        if (keys.enabled() && !isPublic(path)) {
            String key = routing.request().getHeader(ApiKeys.HEADER);
            String authorization = routing.request().getHeader(HttpHeaders.AUTHORIZATION);
            boolean console = isConsole(path);
            boolean fromCookie = false;
            if (console && key == null && authorization == null) {
                Cookie session = routing.request().getCookie(ConsoleSession.COOKIE);
                if (session == null) {
                    toSignIn(routing, false);
                    return;
                }
                key = session.getValue();
                fromCookie = true;
            }
            try {
                Caller caller = keys.authenticate(key, authorization);
                if (console && !caller.admin()) {
                    throw InferenceError.of(ErrorType.ACCESS_DENIED, "The console needs an admin key");
                }
                routing.put(Caller.CONTEXT_KEY, caller);
                if (console) {
                    routing.put(ConsoleSession.CONTEXT_KEY, key != null ? key : bearer(authorization));
                }
            } catch (InferenceError refused) {
                if (fromCookie) {
                    toSignIn(routing, true); // revoked, or no longer an admin key: the session ends
                } else {
                    SageMakerErrorResponses.send(routing, refused);
                }
                return;
            }
        }
        routing.next();
    }

    static boolean isConsole(String path) {
        return path != null && (path.equals(ConsoleSession.PATH) || path.startsWith(ConsoleSession.PATH + "/"));
    }

    private static String bearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim()
                : null;
    }

    /** A page of the console asked for without a session: to the sign-in form (htmx follows HX-Redirect). */
    private static void toSignIn(RoutingContext routing, boolean endSession) {
        HttpServerResponse response = routing.response()
                .setStatusCode(303)
                .putHeader(HttpHeaders.LOCATION, ConsoleSession.PATH + "/sign-in")
                .putHeader("HX-Redirect", ConsoleSession.PATH + "/sign-in")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        if (endSession) {
            response.putHeader(HttpHeaders.SET_COOKIE, ConsoleSession.expired());
        }
        response.end();
    }

    /**
     * The door check of every route of the fronts: a caller when keys are on (refused if the filter above did not name
     * one), and on a route with an {@code {EndpointName}}, the name, the allowlist and the key's endpoints.
     */
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Response checkEndpoint(UriInfo uri, RoutingContext routing) {
        Caller caller = routing.get(Caller.CONTEXT_KEY);
        if (caller == null && keys.enabled() && !isPublic(routing.normalizedPath())) {
            return SageMakerErrorResponses.toResponse(
                    InferenceError.of(ErrorType.MISSING_AUTHENTICATION_TOKEN, "Missing API key"), null, null);
        }
        String endpoint = uri.getPathParameters().getFirst("EndpointName");
        if (endpoint == null) {
            return null;
        }
        try {
            if (caller != null && !caller.mayUse(endpoint)) {
                throw InferenceError.of(
                        ErrorType.ACCESS_DENIED, "API key " + caller.name() + " may not use endpoint " + endpoint);
            }
            access.check(endpoint);
            return null;
        } catch (InferenceError refused) {
            return SageMakerErrorResponses.toResponse(refused, null, null);
        }
    }
}
