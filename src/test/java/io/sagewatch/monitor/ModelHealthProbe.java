package io.sagewatch.monitor;

import java.util.concurrent.atomic.AtomicLong;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.metrics.ModelHealthMeters;

/**
 * The request-path half of model health (observer, intake) without the container, for the benchmark that measures
 * it (bench/monitor.sh): what {@link #drain()} takes off the queue is only counted.
 */
public final class ModelHealthProbe {

    private final SampleIntake intake;
    private final ModelHealthObserver observer;
    private final AtomicLong queued = new AtomicLong();

    private ModelHealthProbe(SampleIntake intake, ModelHealthObserver observer) {
        this.intake = intake;
        this.observer = observer;
    }

    public static ModelHealthProbe of(SagewatchConfig config, ModelHealthMeters meters) {
        SampleIntake intake = new SampleIntake(config, meters);
        return new ModelHealthProbe(intake, new ModelHealthObserver(new EndpointMonitors(config), intake));
    }

    public ModelHealthObserver observer() {
        return observer;
    }

    /** Takes what is queued (the worker's part, here only counted). */
    public void drain() {
        while (intake.pollNow() != null) {
            queued.incrementAndGet();
        }
        Thread.onSpinWait();
    }

    public long queued() {
        return queued.get();
    }
}
