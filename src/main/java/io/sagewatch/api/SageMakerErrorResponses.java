package io.sagewatch.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.api.openai.OpenAiErrors;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceIds;
import io.sagewatch.json.Json;
import io.sagewatch.sagemaker.SageMakerHeaders;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * Every error leaves the gateway in SageMaker's shape: the {@code x-amzn-ErrorType} header and a JSON body with
 * {@code Message} (and ModelError's fields), so SDKs raise their modeled exceptions. Errors SageMaker sent are relayed
 * byte for byte.
 */
public class SageMakerErrorResponses {

    private static final Logger LOG = Logger.getLogger(SageMakerErrorResponses.class);
    private static final ObjectMapper JSON = Json.MAPPER;

    /** A refusal before the request became an inference: a fresh request id, like SageMaker's. */
    public static Response toResponse(InferenceError error, String requestId, String inferenceId) {
        Response.ResponseBuilder response = errorResponse(error);
        response.header(SageMakerHeaders.REQUEST_ID, requestId != null ? requestId : InferenceIds.newRequestId());
        if (inferenceId != null) {
            response.header(SageMakerHeaders.SAGEWATCH_INFERENCE_ID, inferenceId);
        }
        return response.build();
    }

    /** A refusal written straight to the connection, from a Vert.x filter in front of the fronts. */
    static void send(RoutingContext routing, InferenceError error) {
        if (OpenAiErrors.isOpenAiPath(routing.normalizedPath())) {
            OpenAiErrors.send(routing, error);
            return;
        }
        Response answer = toResponse(error, null, null);
        var response = routing.response().setStatusCode(answer.getStatus());
        answer.getStringHeaders().forEach(response::putHeader);
        response.end(Buffer.buffer((byte[]) answer.getEntity()));
    }

    /** The error without ids (see {@link InvocationResource#answerIds} for an accepted request's). */
    static Response.ResponseBuilder errorResponse(InferenceError error) {
        Response.ResponseBuilder response = Response.status(error.status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header(SageMakerHeaders.ERROR_TYPE, error.code())
                .entity(error.rawBody() != null ? error.rawBody() : body(error));
        if (error.retryAfterSeconds() != null) {
            response.header("Retry-After", error.retryAfterSeconds());
        }
        return response;
    }

    static byte[] body(InferenceError error) {
        ObjectNode body = JSON.createObjectNode();
        body.put("ErrorCode", error.code());
        body.put("Message", error.getMessage());
        if (error.originalStatusCode() != null) {
            body.put("OriginalStatusCode", error.originalStatusCode());
        }
        if (error.originalMessage() != null) {
            body.put("OriginalMessage", error.originalMessage());
        }
        if (error.logStreamArn() != null) {
            body.put("LogStreamArn", error.logStreamArn());
        }
        try {
            return JSON.writeValueAsBytes(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @ServerExceptionMapper
    public Response inferenceError(InferenceError error) {
        return toResponse(error, null, null);
    }

    /** A streaming call refused or failed before its stream began: as InvokeEndpoint answers it. */
    @ServerExceptionMapper
    public Response streamNotStarted(StreamingInvocationResource.AnsweredError error) {
        var outcome = error.outcome;
        Response.ResponseBuilder response = errorResponse(outcome.error());
        InvocationResource.answerIds(outcome.request(), outcome.replayOf(), response::header);
        return response.build();
    }

    /** Framework errors (unknown route, wrong method, unreadable body) in the same shape. */
    @ServerExceptionMapper
    public Response webApplicationError(WebApplicationException error) {
        int status = error.getResponse().getStatus();
        String code = switch (status) {
            case 404 -> "UnknownOperationException";
            case 405 -> "UnknownOperationException";
            case 413, 415, 400, 406 -> ErrorType.VALIDATION_ERROR.code();
            default -> status >= 500 ? ErrorType.INTERNAL_FAILURE.code() : ErrorType.VALIDATION_ERROR.code();
        };
        InferenceError shaped = InferenceError.gateway(code, status, error.getMessage());
        return toResponse(shaped, null, null);
    }

    /** The record table failing under a record route: throttling and outages in SageMaker's terms, not a bare 500. */
    @ServerExceptionMapper
    public Response tableError(DynamoDbException error) {
        InferenceError shaped;
        if (error.isThrottlingException()) {
            shaped = InferenceError.of(ErrorType.THROTTLING, "The record table is throttling; retry later");
        } else if (error instanceof ResourceNotFoundException) {
            shaped = InferenceError.of(ErrorType.SERVICE_UNAVAILABLE, "The record table is not available");
        } else if (error.statusCode() >= 400 && error.statusCode() < 500) {
            shaped = InferenceError.validation("The record table refused the query: "
                    + error.awsErrorDetails().errorMessage());
        } else {
            shaped = InferenceError.of(ErrorType.SERVICE_UNAVAILABLE, "The record table is not available");
        }
        LOG.warnf("Record route failed on the table: %s", error.getMessage());
        return toResponse(shaped, null, null);
    }

    @ServerExceptionMapper
    public RestResponse<byte[]> unexpected(RuntimeException error) {
        LOG.error("Unexpected failure", error);
        InferenceError shaped =
                InferenceError.of(ErrorType.INTERNAL_FAILURE, "Sagewatch failed to process the request");
        return RestResponse.ResponseBuilder.create(RestResponse.Status.INTERNAL_SERVER_ERROR, body(shaped))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header(SageMakerHeaders.ERROR_TYPE, shaped.code())
                .header(SageMakerHeaders.REQUEST_ID, InferenceIds.newRequestId())
                .build();
    }
}
