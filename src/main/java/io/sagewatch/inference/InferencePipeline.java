package io.sagewatch.inference;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.metrics.InferenceLog;
import io.sagewatch.metrics.InferenceMeters;
import io.sagewatch.sagemaker.ModelCall;
import io.sagewatch.sagemaker.SageMakerInvoker;
import io.sagewatch.store.InferenceRecordStore;
import io.smallrye.mutiny.Uni;

/**
 * The request path, in order: the model call and the in-progress record start together, their results combine into
 * one {@link InferenceOutcome}, and that outcome goes to the meters, the log line and the final record. Latency is the
 * slower of the model and the first write, not their sum. Nothing here blocks.
 */
@ApplicationScoped
public class InferencePipeline {

    private final SageMakerInvoker sagemaker;
    private final InferenceRecordStore store;
    private final TokenUsageReader tokens;
    private final CostEstimator costs;
    private final InferenceMeters meters;
    private final InferenceLog log;
    private final boolean awaitFinalWrite;

    InferencePipeline(SageMakerInvoker sagemaker, InferenceRecordStore store, TokenUsageReader tokens,
            CostEstimator costs, InferenceMeters meters, InferenceLog log, SagewatchConfig config) {
        this.sagemaker = sagemaker;
        this.store = store;
        this.tokens = tokens;
        this.costs = costs;
        this.meters = meters;
        this.log = log;
        this.awaitFinalWrite = config.store().awaitFinalWrite();
    }

    public Uni<InferenceOutcome> run(InferenceRequest request) {
        // Whoever settles the request first (the outcome or a disconnect) writes its one final record.
        AtomicBoolean settled = new AtomicBoolean();
        return Uni.combine().all().unis(sagemaker.invoke(request), store.open(request)).asTuple()
                .map(started -> outcome(request, started.getItem1()))
                .flatMap(outcome -> settled.compareAndSet(false, true) ? settle(outcome) : Uni.createFrom().item(outcome))
                .onCancellation().invoke(() -> {
                    if (settled.compareAndSet(false, true)) {
                        settle(InferenceOutcome.disconnected(request));
                    }
                });
    }

    private InferenceOutcome outcome(InferenceRequest request, ModelCall call) {
        TokenUsage usage = call.succeeded() ? tokens.read(request.endpointName(), call.response()) : TokenUsage.NONE;
        return InferenceOutcome.of(request, call, usage, costs.estimate(request.endpointName(), usage));
    }

    /** Everything that hangs off the outcome: meters, log line, final record. */
    private Uni<InferenceOutcome> settle(InferenceOutcome outcome) {
        meters.record(outcome);
        log.write(outcome);
        CompletionStage<Void> written = store.finish(outcome);
        if (!awaitFinalWrite) {
            meters.flush(outcome);
            return Uni.createFrom().item(outcome);
        }
        // Waits for the write without handing it our cancellation: a disconnect must not abort a record.
        return Uni.createFrom().emitter(emitter -> written.whenComplete((ignored, failure) -> {
            meters.flush(outcome);
            emitter.complete(outcome);
        }));
    }
}
