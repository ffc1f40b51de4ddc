package io.sagewatch.api;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.sagewatch.auth.ApiKeys;
import io.sagewatch.auth.Caller;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.vertx.ext.web.RoutingContext;

/**
 * First on the invocation, record and model-health routes: who is calling (API key), and may that key use the endpoint named in
 * the path. Runs before the concurrency slot is taken and before the body is read.
 */
public class ApiKeyFilter {

    private final ApiKeys keys;

    ApiKeyFilter(ApiKeys keys) {
        this.keys = keys;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Response authenticate(SimpleResourceInfo resource, UriInfo uri, HttpHeaders headers,
            RoutingContext routing) {
        Class<?> target = resource.getResourceClass();
        if (target != InvocationResource.class && target != StreamingInvocationResource.class
                && target != InferenceRecordResource.class && target != ModelHealthResource.class) {
            return null;
        }
        try {
            Caller caller = keys.authenticate(headers.getHeaderString(ApiKeys.HEADER),
                    headers.getHeaderString(HttpHeaders.AUTHORIZATION));
            String endpoint = uri.getPathParameters().getFirst("EndpointName");
            if (endpoint != null && !caller.mayUse(endpoint)) {
                throw InferenceError.of(ErrorType.ACCESS_DENIED,
                        "API key " + caller.name() + " may not use endpoint " + endpoint);
            }
            routing.put(Caller.CONTEXT_KEY, caller);
            return null;
        } catch (InferenceError refused) {
            return SageMakerErrorResponses.toResponse(refused, null, null);
        }
    }
}
