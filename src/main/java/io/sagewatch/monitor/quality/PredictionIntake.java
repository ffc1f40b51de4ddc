package io.sagewatch.monitor.quality;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.PipelineOrder;
import io.sagewatch.metrics.ModelHealthMeters;

/**
 * Model quality's hook on the pipeline, and its whole part on the request path: each successful inference of an
 * endpoint whose quality is measured (not a replay, not a stream cut short) is handed to the {@link QualityWorker}
 * through a bounded queue, never waiting; a full queue drops it and counts it. The answer is not copied (it is
 * immutable by then) nor read here.
 */
@Singleton
@Priority(PipelineOrder.MODEL_QUALITY)
public class PredictionIntake implements InferenceObserver {

    /** An answer on its way to the worker. */
    record Queued(QualitySettings settings, String inferenceId, long finishedAtMillis, byte[] body, String type) {}

    static final int CAPACITY = 8192;

    private final EndpointQualities qualities;
    private final ModelHealthMeters meters;
    private final ArrayBlockingQueue<Queued> queue = new ArrayBlockingQueue<>(CAPACITY);
    /** Answer bytes waiting: bounded as model health's samples are (sagewatch.monitor.queue-max-bytes). */
    private final AtomicLong queuedBytes = new AtomicLong();

    private final long maxBytes;

    PredictionIntake(EndpointQualities qualities, ModelHealthMeters meters, long maxBytes) {
        this.qualities = qualities;
        this.meters = meters;
        this.maxBytes = maxBytes;
    }

    @Inject
    PredictionIntake(EndpointQualities qualities, ModelHealthMeters meters, SagewatchConfig config) {
        this(qualities, meters, config.monitor().queueMaxBytes());
    }

    @Override
    public CompletionStage<Void> settled(InferenceOutcome outcome) {
        QualitySettings settings = qualities.settings(outcome.request().endpointName());
        if (settings == null
                || !outcome.succeeded()
                || outcome.replayOf() != null
                || outcome.response() == null
                || outcome.response().body() == null
                || (outcome.stream() != null && outcome.stream().truncated())) {
            return DONE;
        }
        byte[] body = outcome.response().body();
        if (queuedBytes.addAndGet(body.length) > maxBytes
                || !queue.offer(new Queued(
                        settings,
                        outcome.request().inferenceId(),
                        outcome.finishedAt().toEpochMilli(),
                        body,
                        outcome.response().contentType()))) {
            queuedBytes.addAndGet(-body.length);
            meters.predictionDropped(settings.endpoint());
        }
        return DONE;
    }

    Queued pollNow() {
        return queue.poll();
    }

    /** The worker has read a queued answer: its bytes no longer count. */
    void done(Queued queued) {
        queuedBytes.addAndGet(-queued.body().length);
    }
}
