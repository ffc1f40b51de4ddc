package io.sagewatch.inference;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.arc.All;
import io.sagewatch.core.InferenceGuard;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelProvider;
import io.sagewatch.core.TokenUsage;
import io.smallrye.mutiny.Uni;

/**
 * The request path. {@link InferenceGuard}s first, outermost first (idempotency): each lets the request through or
 * answers it, and gets every request it let through back, with its outcome, a disconnect included. Then the model call
 * and the observers' start (the in-progress record) run together, and the answer waits for both: latency is the slower
 * of the two, not their sum. The settled {@link InferenceOutcome} goes to every {@link InferenceObserver} (meters, log
 * line, final record), exactly once. Nothing here blocks, and nothing here knows SageMaker, DynamoDB or CloudWatch.
 */
@ApplicationScoped
public class InferencePipeline {

    private final ModelProvider model;
    private final List<InferenceGuard<Object>> guards;
    private final List<InferenceObserver> observers;
    private final TokenUsageReader tokens;
    private final CostEstimator costs;

    @SuppressWarnings("unchecked")
    InferencePipeline(ModelProvider model, @All List<InferenceGuard<?>> guards, @All List<InferenceObserver> observers,
            TokenUsageReader tokens, CostEstimator costs) {
        this.model = model;
        this.guards = guards.stream().map(guard -> (InferenceGuard<Object>) guard).toList();
        this.observers = List.copyOf(observers);
        this.tokens = tokens;
        this.costs = costs;
    }

    public Uni<InferenceOutcome> run(InferenceRequest request) {
        return guarded(0, request);
    }

    /** Through guard {@code index} and those inside it, to the model. */
    private Uni<InferenceOutcome> guarded(int index, InferenceRequest request) {
        if (index == guards.size()) {
            return invoke(request);
        }
        InferenceGuard<Object> guard = guards.get(index);
        if (!guard.appliesTo(request)) {
            return guarded(index + 1, request);
        }
        return guard.before(request).flatMap(verdict -> {
            if (!verdict.proceeds()) {
                return Uni.createFrom().item(verdict.answer());
            }
            AtomicBoolean returned = new AtomicBoolean();
            return guarded(index + 1, request)
                    .call(outcome -> returned.compareAndSet(false, true)
                            ? guard.after(request, verdict.ticket(), outcome)
                            : Uni.createFrom().voidItem())
                    .onCancellation().invoke(() -> {
                        if (returned.compareAndSet(false, true)) {
                            guard.after(request, verdict.ticket(), InferenceOutcome.disconnected(request))
                                    .subscribe().with(done -> {
                                    }, failure -> {
                                    });
                        }
                    });
        });
    }

    private Uni<InferenceOutcome> invoke(InferenceRequest request) {
        // Whoever settles the request first (the outcome or a disconnect) tells the observers, once.
        AtomicBoolean settled = new AtomicBoolean();
        Uni<Void> started = Uni.createFrom().completionStage(() -> started(request));
        return Uni.combine().all().unis(model.invoke(request), started).asTuple()
                .map(done -> outcome(request, done.getItem1()))
                .flatMap(outcome -> settled.compareAndSet(false, true)
                        ? Uni.createFrom().completionStage(() -> settle(outcome)).replaceWith(outcome)
                        : Uni.createFrom().item(outcome))
                .onCancellation().invoke(() -> {
                    if (settled.compareAndSet(false, true)) {
                        settle(InferenceOutcome.disconnected(request));
                    }
                });
    }

    private CompletionStage<Void> started(InferenceRequest request) {
        if (observers.size() == 1) {
            return observers.get(0).started(request);
        }
        return CompletableFuture.allOf(observers.stream()
                .map(observer -> observer.started(request).toCompletableFuture())
                .toArray(CompletableFuture[]::new));
    }

    private InferenceOutcome outcome(InferenceRequest request, ModelCall call) {
        TokenUsage usage = call.succeeded() ? tokens.read(request.endpointName(), call.response()) : TokenUsage.NONE;
        return InferenceOutcome.of(request, call, usage, costs.estimate(request.endpointName(), usage));
    }

    /** Every observer in order; then, once all they asked the answer to wait for is done, their completion. */
    private CompletionStage<Void> settle(InferenceOutcome outcome) {
        CompletableFuture<?>[] waits = new CompletableFuture<?>[observers.size()];
        for (int i = 0; i < waits.length; i++) {
            waits[i] = observers.get(i).settled(outcome).toCompletableFuture();
        }
        // a disconnect must not abort what the observers do: their stages are not cancelled with the request
        return CompletableFuture.allOf(waits).thenRun(() -> observers.forEach(observer -> observer.completed(outcome)));
    }
}
