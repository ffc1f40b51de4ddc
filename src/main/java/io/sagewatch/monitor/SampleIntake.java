package io.sagewatch.monitor;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.metrics.ModelHealthMeters;
import io.sagewatch.metrics.ModelHealthMeters.Drop;
import io.sagewatch.monitor.features.Sample;

/**
 * The request path's whole part in model health: pick a sample (rate, then a cap per second) and hand it to the
 * worker through a bounded queue, never waiting: a full queue drops the sample and counts it. The payloads are not
 * copied (they are immutable by then).
 */
@ApplicationScoped
public class SampleIntake {

    /** A sample on its way to the worker. */
    record Queued(MonitorSettings settings, Sample sample, long finishedAtMillis, long bytes) {}

    private final ArrayBlockingQueue<Queued> queue;
    private final long maxBytes;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Map<String, AtomicLong> rateCaps = new ConcurrentHashMap<>();
    private final ModelHealthMeters meters;

    SampleIntake(SagewatchConfig config, ModelHealthMeters meters) {
        this.queue = new ArrayBlockingQueue<>(config.monitor().queueCapacity());
        this.maxBytes = config.monitor().queueMaxBytes();
        this.meters = meters;
    }

    /** @return whether the outcome was queued */
    public boolean offer(MonitorSettings settings, InferenceOutcome outcome) {
        if (settings.sampleRate() < 1 && ThreadLocalRandom.current().nextDouble() >= settings.sampleRate()) {
            return false;
        }
        String endpoint = settings.endpoint();
        if (!withinCap(endpoint, settings.maxSamplesPerSecond())) {
            meters.dropped(endpoint, Drop.RATE_CAP);
            return false;
        }
        byte[] input = outcome.request().body();
        byte[] output = outcome.response().body();
        long bytes = (long) input.length + (output == null ? 0 : output.length);
        if (queuedBytes.addAndGet(bytes) > maxBytes) {
            queuedBytes.addAndGet(-bytes);
            meters.dropped(endpoint, Drop.QUEUE_FULL);
            return false;
        }
        Sample sample = new Sample(
                input,
                outcome.request().contentType(),
                output,
                outcome.response().contentType(),
                outcome.tokens().inputTokens(),
                outcome.tokens().outputTokens(),
                outcome.stream() != null);
        if (!queue.offer(new Queued(settings, sample, outcome.finishedAt().toEpochMilli(), bytes))) {
            queuedBytes.addAndGet(-bytes);
            meters.dropped(endpoint, Drop.QUEUE_FULL);
            return false;
        }
        meters.sampled(endpoint);
        return true;
    }

    /** The next sample, waiting at most the given time (the worker's thread, never an event loop). */
    Queued poll(long timeout, TimeUnit unit) throws InterruptedException {
        Queued next = queue.poll(timeout, unit);
        if (next != null) {
            queuedBytes.addAndGet(-next.bytes());
        }
        return next;
    }

    Queued pollNow() {
        Queued next = queue.poll();
        if (next != null) {
            queuedBytes.addAndGet(-next.bytes());
        }
        return next;
    }

    /** A count per second in one word: the epoch second in the high 40 bits, the count in the low 24. */
    boolean withinCap(String endpoint, int perSecond) {
        return withinCap(endpoint, perSecond, System.currentTimeMillis() / 1000);
    }

    boolean withinCap(String endpoint, int perSecond, long second) {
        AtomicLong cap = rateCaps.computeIfAbsent(endpoint, name -> new AtomicLong());
        while (true) {
            long state = cap.get();
            long count = (state >>> 24) == second ? state & 0xFF_FFFFL : 0;
            if (count >= perSecond) {
                return false;
            }
            if (cap.compareAndSet(state, (second << 24) | (count + 1))) {
                return true;
            }
        }
    }
}
