package io.sagewatch.tracing;

import java.util.HashMap;
import java.util.Map;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.sagemaker.SageMakerHeaders;

/**
 * Where an inference joins its trace: the fronts hand each request here on the request's own thread (where Quarkus's
 * SERVER span is current), and the model provider's decorator starts the model call's CLIENT span here. With tracing
 * off this is one boolean test per request (a singleton: no client proxy on the request path).
 */
@Singleton
public class RequestTraces {

    static final String INSTRUMENTATION = "io.sagewatch";
    /** SageMaker's limit on {@code X-Amzn-SageMaker-Custom-Attributes}. */
    static final int MAX_CUSTOM_ATTRIBUTES = 1024;

    static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("aws.sagemaker.endpoint_name");
    static final AttributeKey<String> VARIANT = AttributeKey.stringKey("aws.sagemaker.target_variant");
    static final AttributeKey<String> TARGET_MODEL = AttributeKey.stringKey("aws.sagemaker.target_model");
    static final AttributeKey<String> COMPONENT = AttributeKey.stringKey("aws.sagemaker.inference_component");
    static final AttributeKey<String> CALLER = AttributeKey.stringKey("sagewatch.caller");
    static final AttributeKey<String> INFERENCE_ID = AttributeKey.stringKey("sagewatch.inference_id");
    static final AttributeKey<String> FRONT = AttributeKey.stringKey("sagewatch.front");
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<Boolean> STREAM = AttributeKey.booleanKey("sagewatch.stream");

    /** {@code gen_ai.operation.name} of an invocation in SageMaker's own protocol, which says nothing of its kind. */
    static final String INVOKE_ENDPOINT = "invoke_endpoint";

    private static final TextMapSetter<Map<String, String>> HEADERS = (headers, name, value) -> {
        if (headers != null) {
            headers.put(name, value);
        }
    };

    private final boolean enabled;
    private final boolean customAttributes;
    private final Tracer tracer;
    private final TextMapPropagator propagator;

    RequestTraces(
            OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled,
            SagewatchConfig config) {
        this.enabled = !sdkDisabled;
        this.customAttributes = config.tracing().customAttributes();
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * The request, part of the trace whose span is current (the front's SERVER span), named on that span; as it was
     * when tracing is off or no span is current.
     */
    public InferenceRequest traced(InferenceRequest request) {
        if (!enabled) {
            return request;
        }
        Span server = Span.current();
        if (!server.getSpanContext().isValid()) {
            return request;
        }
        if (server.isRecording()) {
            server.setAttribute(ENDPOINT, request.endpointName());
            server.setAttribute(INFERENCE_ID, request.inferenceId());
            server.setAttribute(FRONT, request.front());
            if (request.caller() != null) {
                server.setAttribute(CALLER, request.caller());
            }
            if (request.model() != null) {
                server.setAttribute(REQUEST_MODEL, request.model());
            }
        }
        return request.withTrace(new GatewayTrace(server, Context.current()));
    }

    /** Admission control refused the request before its body was read: an event on the request's span. */
    public void refusedAtTheDoor(InferenceError refusal) {
        if (enabled) {
            Span.current().addEvent("admission.refused", Attributes.of(GatewayTrace.ERROR_TYPE, refusal.code()));
        }
    }

    /**
     * The model call begins: its CLIENT span, child of the request's, in the GenAI conventions' terms; and the headers
     * that carry it upstream.
     */
    void callStarting(GatewayTrace trace, InferenceRequest request, boolean stream) {
        String operation = request.operation() == null ? INVOKE_ENDPOINT : request.operation();
        String model = request.model() == null ? request.endpointName() : request.model();
        SpanBuilder builder = tracer.spanBuilder(operation + " " + model)
                .setParent(trace.context)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(OPERATION, operation)
                .setAttribute(PROVIDER, "aws.sagemaker")
                .setAttribute(REQUEST_MODEL, model)
                .setAttribute(ENDPOINT, request.endpointName())
                .setAttribute(STREAM, stream);
        optional(builder, VARIANT, request.targetVariant());
        optional(builder, TARGET_MODEL, request.targetModel());
        optional(builder, COMPONENT, request.inferenceComponentName());
        Span call = builder.startSpan();
        Map<String, String> outbound = new HashMap<>(4);
        propagator.inject(trace.context.with(call), outbound, HEADERS);
        if (customAttributes) {
            String merged = withTraceParent(request.customAttributes(), call.getSpanContext());
            if (merged != null) {
                outbound.put(SageMakerHeaders.CUSTOM_ATTRIBUTES, merged);
            }
        }
        trace.callStarted(call, Map.copyOf(outbound));
    }

    /**
     * The caller's custom attributes with {@code traceparent=...} added ({@code ;}-separated, as SageMaker's examples
     * pair them); null (leave the caller's alone) when the caller set a traceparent of its own or the result would pass
     * SageMaker's 1,024 characters.
     */
    static String withTraceParent(String callers, SpanContext span) {
        String traceParent = "traceparent=" + traceParent(span);
        if (callers == null || callers.isEmpty()) {
            return traceParent;
        }
        if (callers.contains("traceparent=")) {
            return null;
        }
        String merged = callers + ";" + traceParent;
        return merged.length() > MAX_CUSTOM_ATTRIBUTES ? null : merged;
    }

    /** W3C {@code traceparent}: version 00, trace id, span id, flags. */
    static String traceParent(SpanContext span) {
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-"
                + span.getTraceFlags().asHex();
    }

    /** X-Ray's form of a trace id: {@code 1-} epoch seconds {@code -} the other 24 hex digits. */
    static String xrayTraceId(String traceId) {
        return "1-" + traceId.substring(0, 8) + "-" + traceId.substring(8);
    }

    private static void optional(SpanBuilder builder, AttributeKey<String> key, String value) {
        if (value != null) {
            builder.setAttribute(key, value);
        }
    }
}
