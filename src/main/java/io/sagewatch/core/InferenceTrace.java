package io.sagewatch.core;

import java.util.Map;

/**
 * The distributed trace an inference belongs to, when tracing is on (else the request carries none). Its
 * implementation lives with the tracer; the pipeline, the fronts and the model provider see only this.
 */
public interface InferenceTrace {

    /** The trace's id, 32 lowercase hex digits (W3C); X-Ray's {@code 1-xxxxxxxx-yyyy…} is the same number. */
    String traceId();

    /** The id of the gateway's span for the request (16 lowercase hex digits). */
    String spanId();

    /**
     * Headers that carry the trace to the model host, as the configured propagators write them ({@code traceparent},
     * {@code X-Amzn-Trace-Id}, ...), and the custom attributes with the trace merged in when that is on: the headers of
     * the current model call, empty before one began.
     */
    Map<String, String> outboundHeaders();

    /** A call to the model host failed and is tried again (throttling, 503): seen on the model call's span. */
    void retrying(int attempt, InferenceError failure);

    /** A guard answered the request itself (an idempotent replay, a refusal): seen on the request's span. */
    void answeredByGuard(InferenceOutcome answer);
}
