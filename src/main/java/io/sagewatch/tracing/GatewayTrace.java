package io.sagewatch.tracing;

import java.util.Map;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceTrace;

/**
 * One inference's place in its trace: the gateway's span of the request (Quarkus's SERVER span), and the span of the
 * model call once it began. The request carries it from the front to the observers.
 */
final class GatewayTrace implements InferenceTrace {

    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("sagewatch.attempt");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> REPLAY_OF = AttributeKey.stringKey("sagewatch.replay_of");

    final Span server;
    /** The request's context (its span, the caller's baggage): the model call's parent. */
    final Context context;

    private volatile Span call;
    private volatile Map<String, String> outbound = Map.of();

    GatewayTrace(Span server, Context context) {
        this.server = server;
        this.context = context;
    }

    void callStarted(Span call, Map<String, String> outbound) {
        this.outbound = outbound;
        this.call = call;
    }

    Span call() {
        return call;
    }

    @Override
    public String traceId() {
        return server.getSpanContext().getTraceId();
    }

    @Override
    public String spanId() {
        return server.getSpanContext().getSpanId();
    }

    @Override
    public Map<String, String> outboundHeaders() {
        return outbound;
    }

    @Override
    public void retrying(int attempt, InferenceError failure) {
        Span span = call;
        if (span != null) {
            span.addEvent("retry", Attributes.of(ATTEMPT, (long) attempt, ERROR_TYPE, failure.code(), STATUS, (long)
                    failure.status()));
        }
    }

    @Override
    public void answeredByGuard(InferenceOutcome answer) {
        if (answer.replayOf() != null) {
            server.addEvent("idempotency.replay", Attributes.of(REPLAY_OF, answer.replayOf()));
        } else if (answer.error() != null) {
            server.addEvent(
                    "guard.refused", Attributes.of(ERROR_TYPE, answer.error().code()));
        }
    }
}
