package io.sagewatch.tracing;

import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Singleton;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;

/**
 * Spans of the table writes that carry many inferences at once (the records' batches): each its own trace, linked to
 * the request span of every inference it carries, as OpenTelemetry models batched work. Nothing when tracing is off.
 */
@Singleton
public class TableWriteSpans {

    static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system.name");
    static final AttributeKey<String> DB_OPERATION = AttributeKey.stringKey("db.operation.name");
    static final AttributeKey<String> DB_COLLECTION = AttributeKey.stringKey("db.collection.name");
    static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("db.operation.batch.size");

    /** What a write does when there is nothing to trace. */
    public static final Write NONE = new Write(null);

    private final RequestTraces traces;
    private final Tracer tracer;

    TableWriteSpans(RequestTraces traces, OpenTelemetry openTelemetry) {
        this.traces = traces;
        this.tracer = openTelemetry.getTracer(RequestTraces.INSTRUMENTATION);
    }

    /** A write of {@code items} items to {@code table} by {@code operation} (BatchWriteItem); link, then begin it. */
    public Write write(String table, String operation, int items) {
        if (!traces.enabled()) {
            return NONE;
        }
        return new Write(tracer.spanBuilder("DynamoDB." + operation + " " + table)
                .setSpanKind(SpanKind.CLIENT)
                .setNoParent()
                .setAttribute(DB_SYSTEM, "aws.dynamodb")
                .setAttribute(DB_OPERATION, operation)
                .setAttribute(DB_COLLECTION, table)
                .setAttribute(BATCH_SIZE, (long) items));
    }

    /** One write's span: links added before {@link #begin}, ended once. */
    public static final class Write {

        private final SpanBuilder builder;
        private final AtomicBoolean ended = new AtomicBoolean();
        /** Begun on the spool's thread, ended on the table client's. */
        private volatile Span span;

        Write(SpanBuilder builder) {
            this.builder = builder;
        }

        /** Whether links are wanted: false when tracing is off, so that callers skip gathering them. */
        public boolean linking() {
            return builder != null;
        }

        /** The write carries the inference whose request span this is (ids as the record holds them); skips nulls. */
        public void carries(Object traceId, Object spanId) {
            if (builder != null && traceId instanceof String trace && spanId instanceof String id) {
                SpanContext linked =
                        SpanContext.createFromRemoteParent(trace, id, TraceFlags.getSampled(), TraceState.getDefault());
                if (linked.isValid()) {
                    builder.addLink(linked);
                }
            }
        }

        public Write begin() {
            if (builder != null) {
                span = builder.startSpan();
            }
            return this;
        }

        /** The write ended: {@code unprocessed} items left for later, or a failure (null when it succeeded). */
        public void end(int unprocessed, Throwable failure) {
            if (span == null || !ended.compareAndSet(false, true)) {
                return;
            }
            if (unprocessed > 0) {
                span.setAttribute("aws.dynamodb.unprocessed_items", (long) unprocessed);
            }
            if (failure != null) {
                span.setAttribute(GatewayTrace.ERROR_TYPE, failure.getClass().getSimpleName());
                span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
            }
            span.end();
        }
    }
}
