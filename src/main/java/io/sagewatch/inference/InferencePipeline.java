package io.sagewatch.inference;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.sagemaker.SageMakerInvoker;
import io.sagewatch.store.InferenceRecordStore;
import io.smallrye.mutiny.Uni;

/**
 * The request path, in order: the model call and the in-progress record start together, their results combine into
 * one {@link InferenceOutcome}, and the final record is written from that outcome. Latency is the slower of the model
 * and the first write, not their sum. Nothing here blocks.
 */
@ApplicationScoped
public class InferencePipeline {

    private final SageMakerInvoker sagemaker;
    private final InferenceRecordStore store;
    private final boolean awaitFinalWrite;

    InferencePipeline(SageMakerInvoker sagemaker, InferenceRecordStore store, SagewatchConfig config) {
        this.sagemaker = sagemaker;
        this.store = store;
        this.awaitFinalWrite = config.store().awaitFinalWrite();
    }

    public Uni<InferenceOutcome> run(InferenceRequest request) {
        // Whoever settles the request first (the outcome or a disconnect) writes its one final record.
        AtomicBoolean settled = new AtomicBoolean();
        return Uni.combine().all().unis(sagemaker.invoke(request), store.open(request)).asTuple()
                .map(started -> InferenceOutcome.of(request, started.getItem1()))
                .flatMap(outcome -> settled.compareAndSet(false, true) ? record(outcome) : Uni.createFrom().item(outcome))
                .onCancellation().invoke(() -> {
                    if (settled.compareAndSet(false, true)) {
                        store.finish(InferenceOutcome.disconnected(request));
                    }
                });
    }

    private Uni<InferenceOutcome> record(InferenceOutcome outcome) {
        CompletionStage<Void> written = store.finish(outcome);
        if (!awaitFinalWrite) {
            return Uni.createFrom().item(outcome);
        }
        // Waits for the write without handing it our cancellation: a disconnect must not abort a record.
        return Uni.createFrom().emitter(emitter -> written.whenComplete((ignored, failure) -> emitter.complete(outcome)));
    }
}
