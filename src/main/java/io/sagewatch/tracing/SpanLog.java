package io.sagewatch.tracing;

import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.sagewatch.config.SagewatchConfig;

/**
 * One log line per ended span ({@code sagewatch.tracing.log-spans}, on in dev mode): the trace on a laptop with no
 * collector and no AWS account. Quarkus adds this processor beside its exporter.
 */
@Singleton
public class SpanLog implements SpanProcessor {

    private static final Logger LOG = Logger.getLogger("sagewatch.spans");

    private final boolean enabled;

    SpanLog(SagewatchConfig config) {
        this.enabled = config.tracing().logSpans();
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        SpanData data = span.toSpanData();
        StringBuilder line = new StringBuilder(256)
                .append(data.getKind())
                .append(" '")
                .append(data.getName())
                .append("' ")
                .append(String.format(
                        "%.3f ms",
                        (data.getEndEpochNanos() - data.getStartEpochNanos())
                                / (double) TimeUnit.MILLISECONDS.toNanos(1)))
                .append(" trace=")
                .append(data.getTraceId())
                .append(" span=")
                .append(data.getSpanId());
        if (data.getParentSpanContext().isValid()) {
            line.append(" parent=").append(data.getParentSpanId());
        }
        line.append(" status=").append(data.getStatus().getStatusCode());
        data.getAttributes()
                .forEach((key, value) ->
                        line.append(' ').append(key.getKey()).append('=').append(value));
        data.getEvents().forEach(event -> line.append(" event=").append(event.getName()));
        if (!data.getLinks().isEmpty()) {
            line.append(" links=").append(data.getLinks().size());
        }
        LOG.info(line);
    }

    @Override
    public boolean isEndRequired() {
        return enabled;
    }
}
