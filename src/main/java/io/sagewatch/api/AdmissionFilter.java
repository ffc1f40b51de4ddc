package io.sagewatch.api;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.inference.AdmissionControl;
import io.sagewatch.core.InferenceError;
import io.vertx.ext.web.RoutingContext;

/**
 * Load shedding at the door: an invocation takes its concurrency slot before its body is read, so a refused request
 * costs no memory and no model call. The slot is given back when the response ends or the connection closes.
 */
public class AdmissionFilter {

    private final AdmissionControl admission;
    private final EndpointAccess access;
    private final long maxPayloadBytes;

    AdmissionFilter(AdmissionControl admission, EndpointAccess access, SagewatchConfig config) {
        this.admission = admission;
        this.access = access;
        this.maxPayloadBytes = config.maxPayloadBytes();
    }

    @ServerRequestFilter
    public Response admit(SimpleResourceInfo resource, UriInfo uri, HttpHeaders headers, RoutingContext routing) {
        Class<?> target = resource.getResourceClass();
        if (target != InvocationResource.class && target != StreamingInvocationResource.class) {
            return null;
        }
        String endpoint;
        // RequestLimitsFilter has checked the declared length; a chunked body may take up to the payload limit
        String length = headers.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        long bytes = length == null ? maxPayloadBytes : Math.max(0, Long.parseLong(length.trim()));
        try {
            endpoint = access.check(uri.getPathParameters().getFirst("EndpointName"));
            admission.admit(endpoint, bytes);
        } catch (InferenceError refused) {
            return SageMakerErrorResponses.toResponse(refused, null, null);
        }
        routing.addEndHandler(ended -> admission.release(endpoint, bytes));
        return null;
    }
}
