package io.sagewatch.api.openai;

/**
 * A request the OpenAI front refuses before it becomes an inference (an unreadable body, an unknown model), in OpenAI's
 * terms: the HTTP status and the error's {@code type}, {@code code} and {@code param}.
 */
public final class OpenAiError extends RuntimeException {

    final int status;
    final String type;
    final String code;
    final String param;

    OpenAiError(int status, String type, String code, String param, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    static OpenAiError invalid(String param, String message) {
        return new OpenAiError(400, OpenAiErrors.INVALID_REQUEST, null, param, message);
    }

    static OpenAiError modelNotFound(String model) {
        return new OpenAiError(
                404,
                OpenAiErrors.INVALID_REQUEST,
                "model_not_found",
                "model",
                "The model '" + model + "' does not exist or you do not have access to it.");
    }
}
