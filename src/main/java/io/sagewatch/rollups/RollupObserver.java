package io.sagewatch.rollups;

import java.util.concurrent.CompletionStage;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.PipelineOrder;

/**
 * Counts each settled inference into the console's rollups. On the request path: one add in memory; the table hears of
 * it from the writer, unless each inference's rollups are to be written before its answer (Lambda).
 */
@ApplicationScoped
@Priority(PipelineOrder.ROLLUPS)
public class RollupObserver implements InferenceObserver {

    private static final Logger LOG = Logger.getLogger(RollupObserver.class);

    private final RollupCounter counter;
    private final RollupWriter writer;
    private final boolean enabled;
    private final boolean writeEachInference;

    RollupObserver(RollupCounter counter, RollupWriter writer, SagewatchConfig config) {
        this.counter = counter;
        this.writer = writer;
        this.enabled = config.console().rollups().enabled();
        this.writeEachInference = config.console().rollups().writeEachInference();
    }

    @Override
    public CompletionStage<Void> settled(InferenceOutcome outcome) {
        if (!enabled) {
            return DONE;
        }
        counter.add(outcome);
        if (!writeEachInference) {
            return DONE;
        }
        return writer.flush().handle((ignored, failure) -> {
            if (failure != null) {
                // kept: the next inference's write carries it
                LOG.warnf("Could not write the rollups: %s", failure.getMessage());
            }
            return null;
        });
    }
}
