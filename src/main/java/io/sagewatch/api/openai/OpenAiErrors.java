package io.sagewatch.api.openai;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.json.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

/**
 * Errors in OpenAI's shape, {@code {"error":{"message","type","param","code"}}}, with the statuses OpenAI's SDKs turn
 * into their typed exceptions. SageMaker's own errors keep their meaning: a model's error answers with the status the
 * container gave (4xx: the request, 5xx: the server), throttling is a 429 with {@code Retry-After}. The table is in
 * docs/openai.md.
 */
public final class OpenAiErrors {

    static final String INVALID_REQUEST = "invalid_request_error";
    static final String AUTHENTICATION = "authentication_error";
    static final String PERMISSION = "permission_error";
    static final String RATE_LIMIT = "rate_limit_error";
    static final String SERVER = "server_error";

    /** An OpenAI error answer: status, headers and body. */
    public record Answer(int status, Map<String, String> headers, byte[] body) {}

    private OpenAiErrors() {}

    /** Paths of the OpenAI front: their refusals, whoever makes them (the key filter too), are in OpenAI's shape. */
    public static boolean isOpenAiPath(String path) {
        return path != null
                && (path.equals("/v1")
                        || path.startsWith("/v1/")
                        || path.startsWith("/endpoints/") && path.contains("/openai/v1/"));
    }

    /** A refusal written straight to the connection. */
    public static void send(RoutingContext routing, InferenceError error) {
        write(routing, of(error));
    }

    static void write(RoutingContext routing, Answer answer) {
        var response = routing.response();
        if (response.headWritten()) {
            response.close();
            return;
        }
        response.setStatusCode(answer.status());
        answer.headers().forEach(response::putHeader);
        response.putHeader("Content-Type", "application/json");
        response.end(Buffer.buffer(answer.body()));
    }

    static Answer of(OpenAiError error) {
        return new Answer(error.status, Map.of(), body(error.getMessage(), error.type, error.param, error.code));
    }

    /** An inference's error, or a refusal of the gateway's, mapped as docs/openai.md's table says. */
    public static Answer of(InferenceError error) {
        int status;
        String type;
        String code;
        String message = error.getMessage();
        ErrorType kind = kind(error);
        switch (kind) {
            case VALIDATION_ERROR -> {
                status = error.status() == 413 ? 413 : 400;
                type = INVALID_REQUEST;
                code = null;
            }
            case MISSING_AUTHENTICATION_TOKEN, UNRECOGNIZED_CLIENT -> {
                status = 401;
                type = AUTHENTICATION;
                code = "invalid_api_key";
            }
            case ACCESS_DENIED -> {
                status = 403;
                type = PERMISSION;
                code = "model_not_permitted";
            }
            case THROTTLING, MODEL_NOT_READY -> {
                status = 429;
                // a budget over a period that is spent is a quota, as OpenAI tells a plan's limit from a rate
                type = error.quota() ? "insufficient_quota" : RATE_LIMIT;
                code = error.quota() ? "insufficient_quota" : "rate_limit_exceeded";
            }
            case CONFLICT -> {
                status = 409;
                type = INVALID_REQUEST;
                code = "idempotency_conflict";
            }
            case MODEL_ERROR, MODEL_STREAM_ERROR -> {
                Integer original = error.originalStatusCode();
                if (original != null && original >= 400 && original < 500) {
                    status = original == 429 ? 429 : original == 404 || original == 413 ? original : 400;
                    type = original == 429 ? RATE_LIMIT : INVALID_REQUEST;
                } else {
                    status = 500;
                    type = SERVER;
                }
                code = "model_error";
                if (error.originalMessage() != null) {
                    message = error.originalMessage();
                }
            }
            case SERVICE_UNAVAILABLE -> {
                // the gateway's own overload (429 with Retry-After) is a rate limit to the client
                status = error.status() == 429 ? 429 : 503;
                type = status == 429 ? RATE_LIMIT : SERVER;
                code = status == 429 ? "rate_limit_exceeded" : "service_unavailable";
            }
            case INTERNAL_DEPENDENCY -> {
                status = error.origin() == InferenceError.Origin.DEADLINE ? 504 : 502;
                type = SERVER;
                code = error.origin() == InferenceError.Origin.DEADLINE ? "timeout" : "upstream_error";
            }
            default -> {
                status = 500;
                type = SERVER;
                code = null;
            }
        }
        if (error.origin() == InferenceError.Origin.DEADLINE) {
            status = 504;
            type = SERVER;
            code = "timeout";
        } else if (error.origin() == InferenceError.Origin.TRANSPORT) {
            status = 502;
            type = SERVER;
            code = "upstream_unreachable";
        }
        Map<String, String> headers = error.retryAfterSeconds() == null
                ? Map.of()
                : Map.of("Retry-After", String.valueOf(error.retryAfterSeconds()));
        if (status == 429 && headers.isEmpty()) {
            headers = Map.of("Retry-After", "1");
        }
        return new Answer(status, headers, body(message, type, null, code));
    }

    private static ErrorType kind(InferenceError error) {
        for (ErrorType type : ErrorType.values()) {
            if (error.is(type)) {
                return type;
            }
        }
        return ErrorType.INTERNAL_FAILURE;
    }

    static byte[] body(String message, String type, String param, String code) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** An error inside a stream that began: one server-sent event, as OpenAI's SDKs read one. */
    static byte[] event(InferenceError error) {
        Answer answer = of(error);
        byte[] framed = new byte[answer.body().length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, framed, 0, 6);
        System.arraycopy(answer.body(), 0, framed, 6, answer.body().length);
        framed[framed.length - 2] = '\n';
        framed[framed.length - 1] = '\n';
        return framed;
    }
}
