package io.sagewatch.api;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.jboss.resteasy.reactive.RestMulti;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.vertx.http.runtime.QuarkusHttpHeaders;
import io.sagewatch.auth.Caller;
import io.sagewatch.aws.EventStreamMessage;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.inference.InferencePipeline;
import io.sagewatch.inference.StreamAnswer;
import io.sagewatch.json.Json;
import io.sagewatch.sagemaker.SageMakerHeaders;
import io.smallrye.mutiny.Multi;
import io.vertx.ext.web.RoutingContext;

/**
 * SageMaker runtime's InvokeEndpointWithResponseStream, wire-compatible: each part the model sends is written to the
 * client as a {@code PayloadPart} event as soon as it arrives, with the client's pace as the limit (Quarkus asks for the
 * next part once the last one is written). An error before any part is an HTTP error as for InvokeEndpoint; one inside
 * the stream is relayed as SageMaker relays it, a {@code ModelStreamError} or {@code InternalStreamFailure} event.
 */
@Path("/endpoints/{EndpointName}/invocations-response-stream")
@Admitted
public class StreamingInvocationResource {

    static final String PAYLOAD_PART = "PayloadPart";
    private static final ObjectMapper JSON = Json.MAPPER;

    private final InvocationRequestParser parser;
    private final InferencePipeline pipeline;

    StreamingInvocationResource(InvocationRequestParser parser, InferencePipeline pipeline) {
        this.parser = parser;
        this.pipeline = pipeline;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(SageMakerHeaders.EVENT_STREAM)
    @Operation(summary = "Invoke a SageMaker endpoint with a streamed answer (InvokeEndpointWithResponseStream)")
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
    @Parameter(
            name = SageMakerHeaders.STREAM_ACCEPT,
            in = ParameterIn.HEADER,
            description = "The answer's MIME type, passed to the model")
    @RequestBody(
            required = true,
            description = "Any payload, passed to the model unchanged",
            content = {
                @Content(
                        mediaType = MediaType.APPLICATION_OCTET_STREAM,
                        schema = @Schema(type = SchemaType.STRING, format = "binary")),
                @Content(mediaType = MediaType.WILDCARD, schema = @Schema(type = SchemaType.STRING, format = "binary"))
            })
    public Multi<byte[]> invoke(
            @PathParam("EndpointName") String endpointName,
            @Context HttpHeaders headers,
            @Context RoutingContext routing,
            byte[] body) {
        Caller caller = routing.get(Caller.CONTEXT_KEY);
        InferenceRequest request =
                parser.parse(endpointName, headers, body, caller == null ? null : caller.name(), true);
        if (viaLambda(routing)) {
            // The answer goes back whole as one API Gateway response: no chunked framing to announce (API Gateway, and
            // Quarkus' mock event server, would pass the header on with a body that is not chunk-encoded).
            routing.addHeadersEndHandler(ignored -> routing.response().headers().remove("Transfer-Encoding"));
        }
        // Failing before anything is written answers through the exception mappers: an HTTP error in SageMaker's shape.
        // A client that leaves cancels the parts, which cancels the model call and records what was delivered.
        return RestMulti.fromUniResponse(
                pipeline.stream(request).map(StreamingInvocationResource::refusedIfWhole),
                answer -> events(answer, routing),
                StreamingInvocationResource::headers);
    }

    /** A request that came as a Lambda event (API Gateway): the Lambda handler puts the event in the headers' context. */
    public static boolean viaLambda(RoutingContext routing) {
        return routing.request().headers() instanceof QuarkusHttpHeaders headers
                && headers.getContextObjects().keySet().stream()
                        .anyMatch(type -> type.getName().startsWith("com.amazonaws.services.lambda.runtime."));
    }

    private static StreamAnswer refusedIfWhole(StreamAnswer answer) {
        if (!answer.isLive() && !answer.whole().succeeded()) {
            throw new AnsweredError(answer.whole());
        }
        return answer;
    }

    private static Multi<byte[]> events(StreamAnswer answer, RoutingContext routing) {
        if (!answer.isLive()) {
            // an idempotent replay: the kept answer, reassembled, in one part
            return Multi.createFrom().item(part(answer.whole().response().body()));
        }
        Map<String, List<String>> headers = headers(answer);
        headers.put("Content-Type", List.of(SageMakerHeaders.EVENT_STREAM));
        return EventStreamWriter.write(
                answer.parts(),
                routing.response(),
                headers,
                StreamingInvocationResource::part,
                StreamingInvocationResource::exception);
    }

    private static Map<String, List<String>> headers(StreamAnswer answer) {
        InferenceRequest request = answer.request();
        ModelResponse head = answer.isLive() ? answer.head() : answer.whole().response();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        InvocationResource.answerIds(
                request,
                answer.isLive() ? null : answer.whole().replayOf(),
                (name, value) -> headers.put(name, List.of(value)));
        optional(headers, SageMakerHeaders.STREAM_CONTENT_TYPE, head.contentType());
        optional(headers, SageMakerHeaders.INVOKED_PRODUCTION_VARIANT, head.invokedProductionVariant());
        optional(headers, SageMakerHeaders.CUSTOM_ATTRIBUTES, head.customAttributes());
        return headers;
    }

    private static void optional(Map<String, List<String>> headers, String name, String value) {
        if (value != null) {
            headers.put(name, List.of(value));
        }
    }

    static byte[] part(byte[] bytes) {
        return EventStreamMessage.event(PAYLOAD_PART, MediaType.APPLICATION_OCTET_STREAM, bytes)
                .encode();
    }

    /**
     * An error inside the stream as SageMaker sends one: the model host's own event relayed as it came; the gateway's
     * deadline and a broken upstream as {@code ModelStreamError} with SageMaker's error codes for them.
     */
    static byte[] exception(InferenceError error) {
        boolean streamClass = error.is(ErrorType.MODEL_STREAM_ERROR) || error.is(ErrorType.INTERNAL_STREAM_FAILURE);
        if (error.origin() == InferenceError.Origin.UPSTREAM && streamClass && error.rawBody() != null) {
            return EventStreamMessage.exception(error.code(), error.rawBody()).encode();
        }
        ObjectNode body = JSON.createObjectNode();
        String type;
        switch (error.origin()) {
            case DEADLINE -> {
                type = ErrorType.MODEL_STREAM_ERROR.code();
                body.put("Message", error.getMessage());
                body.put("ErrorCode", "ModelInvocationTimeExceeded");
            }
            case TRANSPORT -> {
                type = ErrorType.MODEL_STREAM_ERROR.code();
                body.put("Message", error.getMessage());
                body.put("ErrorCode", "StreamBroken");
            }
            default -> {
                type = error.is(ErrorType.MODEL_STREAM_ERROR) ? error.code() : ErrorType.INTERNAL_STREAM_FAILURE.code();
                body.put("Message", error.getMessage());
            }
        }
        return EventStreamMessage.exception(type, body.toString().getBytes(StandardCharsets.UTF_8))
                .encode();
    }

    /** A streaming call answered whole with an error: mapped to an HTTP error response, before any byte of a stream. */
    static final class AnsweredError extends RuntimeException {
        final transient InferenceOutcome outcome;

        AnsweredError(InferenceOutcome outcome) {
            super(outcome.error().getMessage(), null, false, false);
            this.outcome = outcome;
        }
    }
}
