package io.sagewatch.datacapture;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.PipelineOrder;
import io.sagewatch.metrics.DataCaptureMeters;

/**
 * Data Capture's part on the request path: a successful inference (not a replay, not a stream cut short; a stream
 * whole, once it ended) is sampled at its endpoint's percentage and handed to the {@link CaptureWriter} through a
 * bounded queue, never waiting: beyond the bytes allowed, it is dropped and counted. Nothing is copied or encoded here.
 */
@Singleton
@Priority(PipelineOrder.DATA_CAPTURE)
public class CaptureIntake implements InferenceObserver {

    /** An inference on its way to a file. */
    record Captured(InferenceOutcome outcome, long bytes) {}

    private final boolean on;
    private final double defaultShare;
    private final Map<String, Double> shares = new HashMap<>();
    private final long maxBytes;
    private final AtomicLong held = new AtomicLong();
    private final ArrayBlockingQueue<Captured> queue = new ArrayBlockingQueue<>(65_536);
    private final DataCaptureMeters meters;

    CaptureIntake(SagewatchConfig config, DataCaptureMeters meters) {
        this.on = config.dataCapture().destination().isPresent();
        this.defaultShare = config.dataCapture().samplingPercentage() / 100;
        config.endpoint()
                .forEach((name, endpoint) -> endpoint.dataCapture()
                        .samplingPercentage()
                        .ifPresent(percent -> shares.put(name, percent / 100)));
        this.maxBytes = config.dataCapture().maxBufferedBytes();
        this.meters = meters;
    }

    public boolean on() {
        return on;
    }

    @Override
    public CompletionStage<Void> settled(InferenceOutcome outcome) {
        if (!on
                || !outcome.succeeded()
                || outcome.replayOf() != null
                || outcome.response() == null
                || outcome.response().body() == null
                || (outcome.stream() != null && outcome.stream().truncated())) {
            return DONE;
        }
        String endpoint = outcome.request().endpointName();
        double share = shares.getOrDefault(endpoint, defaultShare);
        if (share < 1 && (share <= 0 || ThreadLocalRandom.current().nextDouble() >= share)) {
            return DONE;
        }
        long bytes = (long) outcome.request().body().length + outcome.response().body().length;
        if (held.addAndGet(bytes) > maxBytes || !queue.offer(new Captured(outcome, bytes))) {
            held.addAndGet(-bytes);
            meters.dropped(endpoint, DataCaptureMeters.Drop.BUFFER_FULL, 1);
        }
        return DONE;
    }

    Captured pollNow() {
        return queue.poll();
    }

    /** Bytes the writer holds (files not yet written) count against the same bound as the queue. */
    void hold(long bytes) {
        held.addAndGet(bytes);
    }

    void release(long bytes) {
        held.addAndGet(-bytes);
    }
}
