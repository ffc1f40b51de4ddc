package io.sagewatch.core;

/**
 * A failed invocation: its error class (the SageMaker runtime's, which the gateway's own refusals share so that SDK
 * clients raise the modeled exceptions they know), the HTTP status, ModelError's modeled fields, and where it came from
 * ({@link Origin}). When the model host answered the error, {@link #rawBody()} holds its body exactly as sent, so a front
 * speaking the same protocol relays it unchanged.
 */
public final class InferenceError extends RuntimeException {

    /** Where an error came from: what a retry, a circuit or an idempotency key may conclude from it. */
    public enum Origin {
        /** The gateway refused or failed the request itself; the model was not called. */
        GATEWAY,
        /** The model host answered with this error. */
        UPSTREAM,
        /** The gateway's deadline passed with no answer; the call was cancelled (the model may have run). */
        DEADLINE,
        /** The model host could not be reached, or the connection broke (the model may have run). */
        TRANSPORT
    }

    private final Origin origin;

    private final String code;
    private final int status;
    private final Integer originalStatusCode;
    private final String originalMessage;
    private final String logStreamArn;
    private final byte[] rawBody;
    private final Integer retryAfterSeconds;
    /** The budget that refused the request, or null. */
    private String budget;
    /** Whether that budget is a quota over a period (true) or a rate (a window of a minute or less). */
    private boolean quota;

    private InferenceError(
            Origin origin,
            String code,
            int status,
            String message,
            Integer originalStatusCode,
            String originalMessage,
            String logStreamArn,
            byte[] rawBody,
            Throwable cause) {
        this(origin, code, status, message, originalStatusCode, originalMessage, logStreamArn, rawBody, cause, null);
    }

    private InferenceError(
            Origin origin,
            String code,
            int status,
            String message,
            Integer originalStatusCode,
            String originalMessage,
            String logStreamArn,
            byte[] rawBody,
            Throwable cause,
            Integer retryAfterSeconds) {
        super(message, cause, false, false);
        this.origin = origin;
        this.retryAfterSeconds = retryAfterSeconds;
        this.code = code;
        this.status = status;
        this.originalStatusCode = originalStatusCode;
        this.originalMessage = originalMessage;
        this.logStreamArn = logStreamArn;
        this.rawBody = rawBody;
    }

    /** The gateway's own error. */
    public static InferenceError of(ErrorType type, String message) {
        return new InferenceError(Origin.GATEWAY, type.code(), type.status(), message, null, null, null, null, null);
    }

    public static InferenceError of(ErrorType type, String message, Throwable cause) {
        return new InferenceError(Origin.GATEWAY, type.code(), type.status(), message, null, null, null, null, cause);
    }

    /** The gateway's own error in a class it does not model (a framework's 404, say). */
    public static InferenceError gateway(String code, int status, String message) {
        return new InferenceError(Origin.GATEWAY, code, status, message, null, null, null, null, null);
    }

    public static InferenceError validation(String message) {
        return of(ErrorType.VALIDATION_ERROR, message);
    }

    /**
     * No answer within the gateway's deadline: a ModelError with original status 504, as SageMaker reports a model
     * container that did not answer in time.
     */
    public static InferenceError deadline(String message) {
        return new InferenceError(
                Origin.DEADLINE,
                ErrorType.MODEL_ERROR.code(),
                ErrorType.MODEL_ERROR.status(),
                message,
                504,
                "Gateway deadline exceeded",
                null,
                null,
                null);
    }

    /** The model host could not be reached, or the connection broke. */
    public static InferenceError transport(String message, Throwable cause) {
        return new InferenceError(
                Origin.TRANSPORT,
                ErrorType.SERVICE_UNAVAILABLE.code(),
                ErrorType.SERVICE_UNAVAILABLE.status(),
                message,
                null,
                null,
                null,
                null,
                cause);
    }

    /** An error answered by SageMaker (or a server speaking its protocol), kept byte for byte. */
    public static InferenceError upstream(
            String code,
            int status,
            String message,
            Integer originalStatusCode,
            String originalMessage,
            String logStreamArn,
            byte[] rawBody) {
        return new InferenceError(
                Origin.UPSTREAM,
                code,
                status,
                message,
                originalStatusCode,
                originalMessage,
                logStreamArn,
                rawBody,
                null);
    }

    /** The model host answered something outside its protocol: described, not relayed. */
    public static InferenceError upstream(ErrorType type, String message) {
        return new InferenceError(Origin.UPSTREAM, type.code(), type.status(), message, null, null, null, null, null);
    }

    /**
     * The gateway refusing work it cannot take now (overload, an open circuit): answered at once, with a
     * {@code Retry-After}. {@code status} may differ from the type's (429 for a busy endpoint).
     */
    public static InferenceError refused(ErrorType type, int status, String message, int retryAfterSeconds) {
        return new InferenceError(
                Origin.GATEWAY, type.code(), status, message, null, null, null, null, null, retryAfterSeconds);
    }

    /**
     * A budget refusing the request before the model is called: a {@code ThrottlingException} (429) naming the budget,
     * with a {@code Retry-After} of when its window resets. {@code quota}: a budget over a period (a day, a month)
     * rather than a rate (a minute or less), which the OpenAI front tells apart ({@code insufficient_quota}).
     */
    public static InferenceError overBudget(String budget, boolean quota, String message, int retryAfterSeconds) {
        InferenceError error = refused(ErrorType.THROTTLING, 429, message, retryAfterSeconds);
        error.budget = budget;
        error.quota = quota;
        return error;
    }

    /** A budget that cannot be checked (its table is not answering) and is set to refuse then: 503, naming it. */
    public static InferenceError budgetUnchecked(String budget, String message, int retryAfterSeconds) {
        InferenceError error = refused(ErrorType.SERVICE_UNAVAILABLE, 503, message, retryAfterSeconds);
        error.budget = budget;
        return error;
    }

    /**
     * An error inside a stream that began, as SageMaker reports one: a {@code ModelStreamError} or an
     * {@code InternalStreamFailure} event. {@code rawBody} is the event's JSON payload as the model host sent it, or null
     * when the gateway raised it (a deadline, a broken connection).
     */
    public static InferenceError inStream(Origin origin, ErrorType type, String message, byte[] rawBody) {
        return new InferenceError(origin, type.code(), type.status(), message, null, null, null, rawBody, null);
    }

    /** An error as kept earlier (an idempotent replay), field for field. */
    public static InferenceError restored(
            Origin origin,
            String code,
            int status,
            String message,
            Integer originalStatusCode,
            String originalMessage,
            String logStreamArn,
            byte[] rawBody) {
        return new InferenceError(
                origin, code, status, message, originalStatusCode, originalMessage, logStreamArn, rawBody, null);
    }

    public Origin origin() {
        return origin;
    }

    /** Seconds for the {@code Retry-After} header, or null. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The budget that refused the request, or null. */
    public String budget() {
        return budget;
    }

    /** A budget over a period refused it (rather than a per-minute rate). */
    public boolean quota() {
        return quota;
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
