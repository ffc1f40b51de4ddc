package io.sagewatch.api;

import java.time.Instant;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceIds;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.sagemaker.SageMakerHeaders;
import io.sagewatch.tracing.RequestTraces;

/**
 * Turns an HTTP request into an {@link InferenceRequest}, or refuses it with a ValidationError before anything is sent
 * to SageMaker or written to the table. Header limits are SageMaker's own; the endpoint's name was checked at the door
 * ({@link ApiKeyFilter#checkEndpoint}).
 */
@ApplicationScoped
public class InvocationRequestParser {

    /** SageMaker: InferenceId, 1-64 characters, no leading whitespace, printable. */
    static final Pattern INFERENCE_ID = Pattern.compile("^\\S[\\p{Print}]{0,63}$");

    static final Pattern VARIANT = Pattern.compile("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$");
    static final Pattern PRINTABLE = Pattern.compile("^[\\p{Print}]*$");
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final int MAX_IDEMPOTENCY_KEY_LENGTH = 256;

    private final long maxPayloadBytes;
    private final EndpointPolicies policies;
    private final RequestTraces traces;

    InvocationRequestParser(EndpointPolicies policies, RequestTraces traces, SagewatchConfig config) {
        this.traces = traces;
        this.maxPayloadBytes = config.maxPayloadBytes();
        this.policies = policies;
    }

    public InferenceRequest parse(String endpointName, HttpHeaders headers, byte[] body, String caller) {
        return parse(endpointName, headers, body, caller, false);
    }

    /**
     * {@code streaming}: InvokeEndpointWithResponseStream, whose Accept travels as {@code X-Amzn-SageMaker-Accept}
     * (the HTTP Accept is about the event stream) and which has no Target-Model or Enable-Explanations.
     */
    public InferenceRequest parse(
            String endpointName, HttpHeaders headers, byte[] body, String caller, boolean streaming) {
        long start = System.nanoTime();
        Instant received = Instant.now();
        if (body == null || body.length == 0) {
            throw InferenceError.validation("1 validation error detected: Value at 'body' failed to satisfy "
                    + "constraint: Member must not be null or empty");
        }
        checkSize(body.length);
        String contentType = header(headers, HttpHeaders.CONTENT_TYPE, PRINTABLE, 1024);
        checkContentType(endpointName, contentType);
        String requestId = InferenceIds.newRequestId();
        String inferenceId = header(headers, SageMakerHeaders.INFERENCE_ID, INFERENCE_ID, 64);
        return traces.traced(new InferenceRequest(
                requestId,
                inferenceId != null ? inferenceId : requestId,
                endpointName,
                body,
                contentType,
                header(headers, streaming ? SageMakerHeaders.STREAM_ACCEPT : HttpHeaders.ACCEPT, PRINTABLE, 1024),
                header(headers, SageMakerHeaders.CUSTOM_ATTRIBUTES, PRINTABLE, 1024),
                streaming ? null : header(headers, SageMakerHeaders.TARGET_MODEL, PRINTABLE, 1024),
                header(headers, SageMakerHeaders.TARGET_VARIANT, VARIANT, 63),
                header(headers, SageMakerHeaders.TARGET_CONTAINER_HOSTNAME, VARIANT, 63),
                header(headers, SageMakerHeaders.INFERENCE_COMPONENT, VARIANT, 63),
                header(headers, SageMakerHeaders.SESSION_ID, PRINTABLE, 256),
                streaming ? null : header(headers, SageMakerHeaders.ENABLE_EXPLANATIONS, PRINTABLE, 64),
                received,
                start,
                caller,
                idempotencyKey(headers)));
    }

    /** Checked with the other headers, before anything is claimed, called or written. */
    private static String idempotencyKey(HttpHeaders headers) {
        String key = headers.getHeaderString(IDEMPOTENCY_KEY);
        if (key == null || key.isEmpty()) {
            return null;
        }
        if (key.length() > MAX_IDEMPOTENCY_KEY_LENGTH || !PRINTABLE.matcher(key).matches()) {
            throw InferenceError.validation(
                    "Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " printable characters");
        }
        return key;
    }

    /** An endpoint configured with content types takes only those (the media type, parameters aside). */
    private void checkContentType(String endpointName, String contentType) {
        var accepted = policies.of(endpointName).contentTypes();
        if (accepted.isEmpty()) {
            return;
        }
        String mediaType =
                contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!accepted.get().contains(mediaType)) {
            throw InferenceError.validation("Content type '" + mediaType + "' is not accepted by endpoint "
                    + endpointName + "; it accepts " + String.join(", ", new TreeSet<>(accepted.get())));
        }
    }

    /** Also called before the body is read, from the declared Content-Length. */
    public void checkSize(long bytes) {
        if (bytes > maxPayloadBytes) {
            throw InferenceError.validation("Request payload of " + bytes + " bytes exceeds the maximum of "
                    + maxPayloadBytes + " bytes (sagewatch.max-payload-bytes)");
        }
    }

    private static String header(HttpHeaders headers, String name, Pattern pattern, int maxLength) {
        String value = headers.getHeaderString(name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > maxLength || !pattern.matcher(value).matches()) {
            throw InferenceError.validation("1 validation error detected: Value at '" + name
                    + "' failed to satisfy constraint: Member must have length less than or equal to " + maxLength
                    + " and satisfy regular expression pattern: " + pattern.pattern());
        }
        return value;
    }
}
