package io.sagewatch.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.sagewatch.auth.Caller;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.inference.InferencePipeline;
import io.sagewatch.sagemaker.SageMakerHeaders;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * SageMaker runtime's InvokeEndpoint, wire-compatible: a SageMaker client only changes its endpoint URL. A front: it
 * maps the wire format to an {@link InferenceRequest} and an {@link InferenceOutcome} back to the wire format.
 */
@Path("/endpoints/{EndpointName}/invocations")
public class InvocationResource {

    /** Marks an answer given again for a duplicate Idempotency-Key. */
    static final String REPLAYED = "Idempotent-Replayed";

    private final InvocationRequestParser parser;
    private final InferencePipeline pipeline;

    InvocationResource(InvocationRequestParser parser, InferencePipeline pipeline) {
        this.parser = parser;
        this.pipeline = pipeline;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.WILDCARD)
    @Operation(summary = "Invoke a SageMaker endpoint (InvokeEndpoint) and record the inference")
    public Uni<Response> invoke(@PathParam("EndpointName") String endpointName, @Context HttpHeaders headers,
            RoutingContext routing, byte[] body) {
        Caller caller = routing.get(Caller.CONTEXT_KEY);
        InferenceRequest request = parser.parse(endpointName, headers, body, caller == null ? null : caller.name());
        // Quarkus cancels this Uni when the client disconnects: the pipeline then cancels the model call and records it.
        return pipeline.run(request).map(InvocationResource::toResponse);
    }

    static Response toResponse(InferenceOutcome outcome) {
        InferenceRequest request = outcome.request();
        // a replay answers under the inference that ran
        String inferenceId = outcome.replayOf() != null ? outcome.replayOf() : request.inferenceId();
        Response.ResponseBuilder response;
        if (!outcome.succeeded()) {
            response = SageMakerErrorResponses.errorResponse(outcome.error(), request.requestId(), inferenceId);
        } else {
            ModelResponse model = outcome.response();
            response = Response.ok(model.body())
                    .type(model.contentType() != null ? model.contentType() : MediaType.APPLICATION_OCTET_STREAM)
                    .header(SageMakerHeaders.REQUEST_ID, request.requestId())
                    .header(SageMakerHeaders.SAGEWATCH_INFERENCE_ID, inferenceId);
            optional(response, SageMakerHeaders.INVOKED_PRODUCTION_VARIANT, model.invokedProductionVariant());
            optional(response, SageMakerHeaders.CUSTOM_ATTRIBUTES, model.customAttributes());
            optional(response, SageMakerHeaders.NEW_SESSION_ID, model.newSessionId());
            optional(response, SageMakerHeaders.CLOSED_SESSION_ID, model.closedSessionId());
        }
        if (outcome.replayOf() != null) {
            response.header(REPLAYED, "true");
        }
        return response.build();
    }

    private static void optional(Response.ResponseBuilder response, String header, String value) {
        if (value != null) {
            response.header(header, value);
        }
    }
}
