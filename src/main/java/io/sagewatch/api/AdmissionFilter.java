package io.sagewatch.api;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.sagewatch.inference.AdmissionControl;
import io.sagewatch.inference.InferenceError;
import io.vertx.ext.web.RoutingContext;

/**
 * Load shedding at the door: an invocation takes its concurrency slot before its body is read, so a refused request
 * costs no memory and no model call. The slot is given back when the response ends or the connection closes.
 */
public class AdmissionFilter {

    private final AdmissionControl admission;
    private final EndpointAccess access;

    AdmissionFilter(AdmissionControl admission, EndpointAccess access) {
        this.admission = admission;
        this.access = access;
    }

    @ServerRequestFilter
    public Response admit(SimpleResourceInfo resource, UriInfo uri, RoutingContext routing) {
        if (resource.getResourceClass() != InvocationResource.class) {
            return null;
        }
        String endpoint;
        try {
            endpoint = access.check(uri.getPathParameters().getFirst("EndpointName"));
            admission.admit(endpoint);
        } catch (InferenceError refused) {
            return SageMakerErrorResponses.toResponse(refused, null, null);
        }
        routing.addEndHandler(ended -> admission.release(endpoint));
        return null;
    }
}
