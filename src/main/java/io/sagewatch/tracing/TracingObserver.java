package io.sagewatch.tracing;

import java.util.List;
import java.util.concurrent.CompletionStage;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.PipelineOrder;
import io.sagewatch.core.TokenUsage;

/**
 * Ends the model call's span from the settled outcome (tokens, finish reason, error, the variant that answered; a
 * stream's at its last part, with its first part as an event). Nothing for a request outside a trace.
 */
@Singleton
@Priority(PipelineOrder.TRACES)
public class TracingObserver implements InferenceObserver {

    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<String> INVOKED_VARIANT = AttributeKey.stringKey("aws.sagemaker.invoked_variant");
    static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
    static final AttributeKey<Double> COST = AttributeKey.doubleKey("sagewatch.cost_usd");
    static final AttributeKey<Double> FIRST_TOKEN_MS = AttributeKey.doubleKey("sagewatch.time_to_first_token_ms");

    @Override
    public void partDelivered(InferenceRequest request, ModelResponse head, long gapNanos) {
        if (gapNanos == -1 && request.trace() instanceof GatewayTrace trace) {
            Span call = trace.call();
            if (call != null) {
                // the span's own clock places it (anchored to its trace's start: ordered with its other spans)
                call.addEvent(
                        "first_token",
                        Attributes.of(
                                FIRST_TOKEN_MS, InferenceOutcome.millis(System.nanoTime() - request.startNanos())));
            }
        }
    }

    @Override
    public CompletionStage<Void> settled(InferenceOutcome outcome) {
        if (outcome.request().trace() instanceof GatewayTrace trace) {
            Span call = trace.call();
            if (call != null) {
                endCall(call, outcome);
            }
        }
        return DONE;
    }

    private static void endCall(Span call, InferenceOutcome outcome) {
        TokenUsage tokens = outcome.tokens();
        if (tokens.inputTokens() != null) {
            call.setAttribute(INPUT_TOKENS, tokens.inputTokens());
        }
        if (tokens.outputTokens() != null) {
            call.setAttribute(OUTPUT_TOKENS, tokens.outputTokens());
        }
        if (tokens.finishReason() != null) {
            call.setAttribute(FINISH_REASONS, List.of(tokens.finishReason()));
        }
        if (outcome.costUsd() != null) {
            call.setAttribute(COST, outcome.costUsd());
        }
        String variant = outcome.variant();
        if (variant != null) {
            call.setAttribute(INVOKED_VARIANT, variant);
        }
        int attempts = outcome.modelCall().attempts();
        if (attempts > 1) {
            call.setAttribute(RESEND_COUNT, attempts - 1L);
        }
        InferenceError error = outcome.error();
        if (error != null) {
            call.setAttribute(GatewayTrace.ERROR_TYPE, error.code());
            call.setStatus(StatusCode.ERROR, error.code());
        }
        // now: the outcome has just settled, the model's answer (a stream's last part) a few microseconds ago
        call.end();
    }
}
