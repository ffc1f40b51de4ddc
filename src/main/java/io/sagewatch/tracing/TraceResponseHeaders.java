package io.sagewatch.tracing;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

/**
 * Every answer names its trace, so that a caller can find it: W3C's {@code traceresponse} (Trace Context level 2) and
 * X-Ray's {@code X-Amzn-Trace-Id}, as API Gateway answers it. Registered only when tracing is on.
 */
@Singleton
public class TraceResponseHeaders {

    public static final String TRACE_RESPONSE = "traceresponse";
    public static final String XRAY = "X-Amzn-Trace-Id";

    /** Before every other filter, so that refusals at the door carry it too. */
    static final int FILTER_PRIORITY = 3_000;

    private final RequestTraces traces;

    TraceResponseHeaders(RequestTraces traces) {
        this.traces = traces;
    }

    void register(@Observes Filters filters) {
        if (traces.enabled()) {
            filters.register(this::name, FILTER_PRIORITY);
        }
    }

    void name(RoutingContext routing) {
        SpanContext span = Span.current().getSpanContext();
        if (span.isValid()) {
            MultiMap headers = routing.response().headers();
            headers.set(TRACE_RESPONSE, RequestTraces.traceParent(span));
            headers.set(
                    XRAY,
                    "Root=" + RequestTraces.xrayTraceId(span.getTraceId()) + ";Parent=" + span.getSpanId() + ";Sampled="
                            + (span.isSampled() ? "1" : "0"));
        }
        routing.next();
    }
}
