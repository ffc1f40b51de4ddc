package io.sagewatch.monitor.features;

/** A payload that is not in the format its endpoint's monitor reads: counted, never the caller's problem. */
public class UnreadablePayloadException extends RuntimeException {

    public UnreadablePayloadException(String message) {
        super(message, null, false, false);
    }
}
