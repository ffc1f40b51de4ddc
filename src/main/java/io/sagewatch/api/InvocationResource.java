package io.sagewatch.api;

import java.util.function.BiConsumer;

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
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

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
@Admitted
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
    @Parameter(name = SageMakerHeaders.CUSTOM_ATTRIBUTES, in = ParameterIn.HEADER)
    @Parameter(name = SageMakerHeaders.TARGET_VARIANT, in = ParameterIn.HEADER)
    @Parameter(name = SageMakerHeaders.TARGET_CONTAINER_HOSTNAME, in = ParameterIn.HEADER)
    @Parameter(
            name = SageMakerHeaders.INFERENCE_ID,
            in = ParameterIn.HEADER,
            description = "The record's id (1-64 printable characters); generated when absent")
    @Parameter(name = SageMakerHeaders.INFERENCE_COMPONENT, in = ParameterIn.HEADER)
    @Parameter(name = SageMakerHeaders.SESSION_ID, in = ParameterIn.HEADER)
    @Parameter(
            name = InvocationRequestParser.IDEMPOTENCY_KEY,
            in = ParameterIn.HEADER,
            description = "At most one execution per key and endpoint within the idempotency window")
    @Parameter(name = SageMakerHeaders.TARGET_MODEL, in = ParameterIn.HEADER)
    @Parameter(name = SageMakerHeaders.ENABLE_EXPLANATIONS, in = ParameterIn.HEADER)
    @RequestBody(
            required = true,
            description = "Any payload, passed to the model unchanged",
            content = {
                @Content(
                        mediaType = MediaType.APPLICATION_OCTET_STREAM,
                        schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = MediaType.WILDCARD, schema = @Schema(type = SchemaType.STRING, format = "binary"))
            })
    public Uni<Response> invoke(
            @PathParam("EndpointName") String endpointName,
            @Context HttpHeaders headers,
            @Context RoutingContext routing,
            byte[] body) {
        Caller caller = routing.get(Caller.CONTEXT_KEY);
        InferenceRequest request = parser.parse(endpointName, headers, body, caller == null ? null : caller.name());
        // Quarkus cancels this Uni when the client disconnects: the pipeline then cancels the model call and records
        // it.
        return pipeline.run(request).map(InvocationResource::toResponse);
    }

    static Response toResponse(InferenceOutcome outcome) {
        InferenceRequest request = outcome.request();
        Response.ResponseBuilder response;
        if (!outcome.succeeded()) {
            response = SageMakerErrorResponses.errorResponse(outcome.error());
        } else {
            ModelResponse model = outcome.response();
            response = Response.ok(model.body())
                    .type(model.contentType() != null ? model.contentType() : MediaType.APPLICATION_OCTET_STREAM);
            optional(response, SageMakerHeaders.INVOKED_PRODUCTION_VARIANT, model.invokedProductionVariant());
            optional(response, SageMakerHeaders.CUSTOM_ATTRIBUTES, model.customAttributes());
            optional(response, SageMakerHeaders.NEW_SESSION_ID, model.newSessionId());
            optional(response, SageMakerHeaders.CLOSED_SESSION_ID, model.closedSessionId());
        }
        answerIds(request, outcome.replayOf(), response::header);
        return response.build();
    }

    /**
     * The ids every answer carries, refusals and streams included: the request's, and the inference's it answers under
     * (a replay: the inference that ran, marked {@value #REPLAYED}).
     */
    static void answerIds(InferenceRequest request, String replayOf, BiConsumer<String, String> header) {
        header.accept(SageMakerHeaders.REQUEST_ID, request.requestId());
        header.accept(SageMakerHeaders.SAGEWATCH_INFERENCE_ID, replayOf != null ? replayOf : request.inferenceId());
        if (replayOf != null) {
            header.accept(REPLAYED, "true");
        }
    }

    private static void optional(Response.ResponseBuilder response, String header, String value) {
        if (value != null) {
            response.header(header, value);
        }
    }
}
