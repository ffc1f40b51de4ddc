package io.sagewatch.api;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceError;
import io.sagewatch.inference.AdmissionControl;
import io.sagewatch.tracing.RequestTraces;
import io.vertx.ext.web.RoutingContext;

/**
 * Load shedding at the door: an invocation takes its concurrency slot before its body is read, so a refused request
 * costs no memory and no model call. The slot is given back when the response ends or the connection closes.
 */
public class AdmissionFilter {

    private final AdmissionControl admission;
    private final RequestTraces traces;
    private final long maxPayloadBytes;

    AdmissionFilter(AdmissionControl admission, RequestTraces traces, SagewatchConfig config) {
        this.admission = admission;
        this.traces = traces;
        this.maxPayloadBytes = config.maxPayloadBytes();
    }

    /** On the routes marked {@link Admitted}; after {@link ApiKeyFilter}'s door check of the endpoint's name. */
    @Admitted
    @ServerRequestFilter
    public Response admit(UriInfo uri, HttpHeaders headers, RoutingContext routing) {
        String endpoint = uri.getPathParameters().getFirst("EndpointName");
        // RequestLimitsFilter has checked the declared length; a chunked body may take up to the payload limit
        String length = headers.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        long bytes = length == null ? maxPayloadBytes : Math.max(0, Long.parseLong(length.trim()));
        try {
            admission.admit(endpoint, bytes);
        } catch (InferenceError refused) {
            traces.refusedAtTheDoor(refused);
            return SageMakerErrorResponses.toResponse(refused, null, null);
        }
        routing.addEndHandler(ended -> admission.release(endpoint, bytes));
        return null;
    }
}
