package io.sagewatch.tracing;

import org.junit.jupiter.api.Test;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;

import static org.assertj.core.api.Assertions.assertThat;

/** The ids and headers the gateway writes itself: X-Ray's id rule, the custom attributes' merge and its limit. */
class TraceHeadersTest {

    private static final SpanContext SPAN = SpanContext.create(
            "6b168c8815507b31bdbcd767004bbd8c", "d94587be7e036eab", TraceFlags.getSampled(), TraceState.getDefault());
    private static final String TRACE_PARENT = "traceparent=00-6b168c8815507b31bdbcd767004bbd8c-d94587be7e036eab-01";

    @Test
    void traceIdsBeginWithTheEpochSecondAndAreNeverRepeated() {
        XrayIdGenerator ids = new XrayIdGenerator();
        long before = System.currentTimeMillis() / 1000;
        String traceId = ids.generateTraceId();
        long after = System.currentTimeMillis() / 1000;
        assertThat(traceId).matches("[0-9a-f]{32}");
        assertThat(Long.parseLong(traceId.substring(0, 8), 16)).isBetween(before, after);
        assertThat(ids.generateTraceId()).isNotEqualTo(traceId);
        assertThat(ids.generateSpanId()).matches("[0-9a-f]{16}").isNotEqualTo("0000000000000000");
        assertThat(RequestTraces.xrayTraceId(traceId))
                .isEqualTo("1-" + traceId.substring(0, 8) + "-" + traceId.substring(8));
    }

    @Test
    void theTraceJoinsTheCallersCustomAttributesWithinSageMakersLimit() {
        assertThat(RequestTraces.withTraceParent(null, SPAN)).isEqualTo(TRACE_PARENT);
        assertThat(RequestTraces.withTraceParent("", SPAN)).isEqualTo(TRACE_PARENT);
        assertThat(RequestTraces.withTraceParent("accept_eula=true", SPAN))
                .isEqualTo("accept_eula=true;" + TRACE_PARENT);
        // the caller's own traceparent stands
        assertThat(RequestTraces.withTraceParent("traceparent=00-aa-bb-01", SPAN))
                .isNull();
        // 1,024 characters at most: exactly at the limit it is added, one more and the caller's are left alone
        String room = "a".repeat(1024 - TRACE_PARENT.length() - 1);
        assertThat(RequestTraces.withTraceParent(room, SPAN)).hasSize(1024);
        assertThat(RequestTraces.withTraceParent(room + "a", SPAN)).isNull();
    }
}
