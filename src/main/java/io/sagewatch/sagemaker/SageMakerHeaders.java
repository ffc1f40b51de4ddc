package io.sagewatch.sagemaker;

/** Header names of the SageMaker runtime protocol (the front answers in it, the provider calls with it), plus the gateway's own. */
public final class SageMakerHeaders {

    /** InvokeEndpointWithResponseStream's Accept and the model's content type: the HTTP ones describe the stream. */
    public static final String STREAM_ACCEPT = "X-Amzn-SageMaker-Accept";

    public static final String STREAM_CONTENT_TYPE = "X-Amzn-SageMaker-Content-Type";
    public static final String EVENT_STREAM = "application/vnd.amazon.eventstream";
    public static final String CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes";
    public static final String TARGET_MODEL = "X-Amzn-SageMaker-Target-Model";
    public static final String TARGET_VARIANT = "X-Amzn-SageMaker-Target-Variant";
    public static final String TARGET_CONTAINER_HOSTNAME = "X-Amzn-SageMaker-Target-Container-Hostname";
    public static final String INFERENCE_ID = "X-Amzn-SageMaker-Inference-Id";
    public static final String ENABLE_EXPLANATIONS = "X-Amzn-SageMaker-Enable-Explanations";
    public static final String INFERENCE_COMPONENT = "X-Amzn-SageMaker-Inference-Component";
    public static final String SESSION_ID = "X-Amzn-SageMaker-Session-Id";
    public static final String NEW_SESSION_ID = "X-Amzn-SageMaker-New-Session-Id";
    public static final String CLOSED_SESSION_ID = "X-Amzn-SageMaker-Closed-Session-Id";
    public static final String INVOKED_PRODUCTION_VARIANT = "x-Amzn-Invoked-Production-Variant";
    public static final String ERROR_TYPE = "x-amzn-ErrorType";
    public static final String REQUEST_ID = "x-amzn-RequestId";
    /** The inference id the record is stored under: the client's, or one the gateway made. */
    public static final String SAGEWATCH_INFERENCE_ID = "X-Sagewatch-Inference-Id";

    private SageMakerHeaders() {}
}
