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
import io.sagewatch.inference.InferenceOutcome;
import io.sagewatch.inference.InferencePipeline;
import io.sagewatch.inference.InferenceRequest;
import io.sagewatch.sagemaker.ModelResponse;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/** SageMaker runtime's InvokeEndpoint, wire-compatible: a SageMaker client only changes its endpoint URL. */
@Path("/endpoints/{EndpointName}/invocations")
public class InvocationResource {

    private final InvocationRequestParser parser;
    private final InferencePipeline pipeline;
    private final IdempotentInvocation idempotent;

    InvocationResource(InvocationRequestParser parser, InferencePipeline pipeline, IdempotentInvocation idempotent) {
        this.parser = parser;
        this.pipeline = pipeline;
        this.idempotent = idempotent;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.WILDCARD)
    @Operation(summary = "Invoke a SageMaker endpoint (InvokeEndpoint) and record the inference")
    public Uni<Response> invoke(@PathParam("EndpointName") String endpointName, @Context HttpHeaders headers,
            RoutingContext routing, byte[] body) {
        Caller caller = routing.get(Caller.CONTEXT_KEY);
        InferenceRequest request = parser.parse(endpointName, headers, body, caller == null ? null : caller.name());
        String idempotencyKey = headers.getHeaderString(IdempotentInvocation.HEADER);
        if (idempotencyKey != null && !idempotencyKey.isEmpty()) {
            IdempotentInvocation.validate(idempotencyKey);
            return idempotent.run(request, idempotencyKey, InvocationResource::toResponse);
        }
        // Quarkus cancels this Uni when the client disconnects: the pipeline then cancels the model call and records it.
        return pipeline.run(request).map(InvocationResource::toResponse);
    }

    private static Response toResponse(InferenceOutcome outcome) {
        InferenceRequest request = outcome.request();
        if (!outcome.succeeded()) {
            return SageMakerErrorResponses.toResponse(outcome.error(), request.requestId(), request.inferenceId());
        }
        ModelResponse model = outcome.response();
        Response.ResponseBuilder response = Response.ok(model.body())
                .type(model.contentType() != null ? model.contentType() : MediaType.APPLICATION_OCTET_STREAM)
                .header(SageMakerHeaders.REQUEST_ID, request.requestId())
                .header(SageMakerHeaders.SAGEWATCH_INFERENCE_ID, request.inferenceId());
        optional(response, SageMakerHeaders.INVOKED_PRODUCTION_VARIANT, model.invokedProductionVariant());
        optional(response, SageMakerHeaders.CUSTOM_ATTRIBUTES, model.customAttributes());
        optional(response, SageMakerHeaders.NEW_SESSION_ID, model.newSessionId());
        optional(response, SageMakerHeaders.CLOSED_SESSION_ID, model.closedSessionId());
        return response.build();
    }

    private static void optional(Response.ResponseBuilder response, String header, String value) {
        if (value != null) {
            response.header(header, value);
        }
    }
}
