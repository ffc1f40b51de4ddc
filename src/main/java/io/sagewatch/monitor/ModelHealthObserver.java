package io.sagewatch.monitor;

import java.util.concurrent.CompletionStage;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.PipelineOrder;

/**
 * Model health's hook on the pipeline: each successful inference of a monitored endpoint (not a replay, not a
 * stream cut short) is offered to the {@link SampleIntake}; the rest happens off the request path.
 */
@ApplicationScoped
@Priority(PipelineOrder.MODEL_HEALTH)
public class ModelHealthObserver implements InferenceObserver {

    private final EndpointMonitors monitors;
    private final SampleIntake intake;

    ModelHealthObserver(EndpointMonitors monitors, SampleIntake intake) {
        this.monitors = monitors;
        this.intake = intake;
    }

    @Override
    public CompletionStage<Void> settled(InferenceOutcome outcome) {
        MonitorSettings settings = monitors.settings(outcome.request().endpointName());
        if (settings != null
                && outcome.succeeded()
                && outcome.replayOf() == null
                && outcome.response() != null
                && outcome.response().body() != null
                && (outcome.stream() == null || !outcome.stream().truncated())) {
            intake.offer(settings, outcome);
        }
        return DONE;
    }
}
