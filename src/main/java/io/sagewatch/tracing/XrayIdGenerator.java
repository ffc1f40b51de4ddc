package io.sagewatch.tracing;

import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Singleton;

import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.sdk.trace.IdGenerator;

/**
 * Trace ids X-Ray accepts: its ids begin with the trace's start in epoch seconds (the first 8 hex digits), and X-Ray
 * refuses spans whose trace began more than 30 days ago by that clock. Quarkus's tracer takes this bean as its id
 * generator. (The contrib library's generator does not resolve here; this is the same rule.)
 */
@Singleton
public class XrayIdGenerator implements IdGenerator {

    @Override
    public String generateSpanId() {
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong();
        } while (id == 0);
        return SpanId.fromLong(id);
    }

    @Override
    public String generateTraceId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long epochSeconds = System.currentTimeMillis() / 1000;
        long high = (epochSeconds << 32) | (random.nextInt() & 0xFFFFFFFFL);
        return TraceId.fromLongs(high, random.nextLong());
    }
}
