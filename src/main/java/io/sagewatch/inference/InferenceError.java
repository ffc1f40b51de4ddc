package io.sagewatch.inference;

/**
 * A failed invocation in SageMaker's terms: the error code of the {@code x-amzn-ErrorType} header, the HTTP status,
 * and the modeled fields of ModelError. When the error came from SageMaker, {@link #rawBody()} holds its body exactly as
 * sent, so the client receives it unchanged.
 */
public final class InferenceError extends RuntimeException {

    private final String code;
    private final int status;
    private final Integer originalStatusCode;
    private final String originalMessage;
    private final String logStreamArn;
    private final byte[] rawBody;
    private final Integer retryAfterSeconds;

    private InferenceError(String code, int status, String message, Integer originalStatusCode, String originalMessage,
            String logStreamArn, byte[] rawBody, Throwable cause) {
        this(code, status, message, originalStatusCode, originalMessage, logStreamArn, rawBody, cause, null);
    }

    private InferenceError(String code, int status, String message, Integer originalStatusCode, String originalMessage,
            String logStreamArn, byte[] rawBody, Throwable cause, Integer retryAfterSeconds) {
        super(message, cause, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
        this.code = code;
        this.status = status;
        this.originalStatusCode = originalStatusCode;
        this.originalMessage = originalMessage;
        this.logStreamArn = logStreamArn;
        this.rawBody = rawBody;
    }

    public static InferenceError of(ErrorType type, String message) {
        return new InferenceError(type.code(), type.status(), message, null, null, null, null, null);
    }

    public static InferenceError of(ErrorType type, String message, Throwable cause) {
        return new InferenceError(type.code(), type.status(), message, null, null, null, null, cause);
    }

    public static InferenceError validation(String message) {
        return of(ErrorType.VALIDATION_ERROR, message);
    }

    public static InferenceError modelError(String message, Integer originalStatusCode, String originalMessage,
            String logStreamArn) {
        return new InferenceError(ErrorType.MODEL_ERROR.code(), ErrorType.MODEL_ERROR.status(), message,
                originalStatusCode, originalMessage, logStreamArn, null, null);
    }

    /** An error answered by SageMaker (or a server speaking its protocol), kept byte for byte. */
    public static InferenceError upstream(String code, int status, String message, Integer originalStatusCode,
            String originalMessage, String logStreamArn, byte[] rawBody) {
        return new InferenceError(code, status, message, originalStatusCode, originalMessage, logStreamArn, rawBody,
                null);
    }

    /**
     * The gateway refusing work it cannot take now (overload, an open circuit): answered at once, with a
     * {@code Retry-After}. {@code status} may differ from the type's (429 for a busy endpoint).
     */
    public static InferenceError refused(ErrorType type, int status, String message, int retryAfterSeconds) {
        return new InferenceError(type.code(), status, message, null, null, null, null, null, retryAfterSeconds);
    }

    /** Seconds for the {@code Retry-After} header, or null. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    public boolean is(ErrorType type) {
        return type.code().equals(code);
    }

    public Integer originalStatusCode() {
        return originalStatusCode;
    }

    public String originalMessage() {
        return originalMessage;
    }

    public String logStreamArn() {
        return logStreamArn;
    }

    /** SageMaker's error body as received, or null for errors the gateway raised itself. */
    public byte[] rawBody() {
        return rawBody;
    }
}
