package io.sagewatch.core;

/**
 * The error classes of the SageMaker runtime API, with the HTTP status SageMaker answers them with. Errors the gateway
 * raises itself use the same classes, so SDK clients raise the same modeled exceptions they would against AWS.
 */
public enum ErrorType {
    VALIDATION_ERROR("ValidationError", 400),
    MODEL_ERROR("ModelError", 424),
    MODEL_NOT_READY("ModelNotReadyException", 429),
    THROTTLING("ThrottlingException", 400),
    INTERNAL_FAILURE("InternalFailure", 500),
    SERVICE_UNAVAILABLE("ServiceUnavailable", 503),
    INTERNAL_DEPENDENCY("InternalDependencyException", 530),
    /** Inside a stream that began: the model failed, went silent, or its connection broke (counted as a 4xx). */
    MODEL_STREAM_ERROR("ModelStreamError", 424),
    /** Inside a stream that began: the service (here, the gateway) failed. */
    INTERNAL_STREAM_FAILURE("InternalStreamFailure", 500),
    /** API keys: no key sent (as AWS answers a request without credentials). */
    MISSING_AUTHENTICATION_TOKEN("MissingAuthenticationTokenException", 403),
    /** API keys: an unknown or revoked key. */
    UNRECOGNIZED_CLIENT("UnrecognizedClientException", 403),
    /** API keys: a valid key that may not use this endpoint. */
    ACCESS_DENIED("AccessDeniedException", 403),
    /** Idempotency: a request with the same Idempotency-Key is running, or its answer was not kept. */
    CONFLICT("ConflictException", 409),
    /** Record routes only: no such inference. */
    RESOURCE_NOT_FOUND("ResourceNotFound", 404),
    /** Records only: the client went away before the answer (nginx's 499). */
    CLIENT_DISCONNECTED("ClientDisconnected", 499);

    private final String code;
    private final int status;

    ErrorType(String code, int status) {
        this.code = code;
        this.status = status;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }
}
