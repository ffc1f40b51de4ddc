package io.sagewatch.inference;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.arc.All;
import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceGuard;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelProvider;
import io.sagewatch.core.ModelStream;
import io.sagewatch.core.TokenUsage;
import io.smallrye.mutiny.Multi;
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
    private final EndpointPolicies policies;
    private final ObjectMapper json;
    private final int capturedBytes;
    /** The inner ends of the guard chain, made once rather than per request. */
    private final BiFunction<InferenceRequest, Function<InferenceOutcome, Uni<Void>>, Uni<InferenceOutcome>>
            invokeCall = this::invoke;

    private final BiFunction<InferenceRequest, Function<InferenceOutcome, Uni<Void>>, Uni<StreamAnswer>>
            startStreamCall = this::startStream;

    @SuppressWarnings("unchecked")
    InferencePipeline(
            ModelProvider model,
            @All List<InferenceGuard<?>> guards,
            @All List<InferenceObserver> observers,
            TokenUsageReader tokens,
            CostEstimator costs,
            EndpointPolicies policies,
            ObjectMapper json,
            SagewatchConfig config) {
        this.policies = policies;
        this.json = json;
        // a stream is reassembled for the record's capture only when captures are taken
        this.capturedBytes =
                config.capture().samplePercent() > 0 ? config.capture().maxBytes() : 0;
        this.model = model;
        this.guards =
                guards.stream().map(guard -> (InferenceGuard<Object>) guard).toList();
        this.observers = List.copyOf(observers);
        this.tokens = tokens;
        this.costs = costs;
    }

    public Uni<InferenceOutcome> run(InferenceRequest request) {
        return guarded(0, request, NOTHING_OUTSIDE, invokeCall, Function.identity());
    }

    /**
     * A streaming invocation: the same guards, observers and symmetry as {@link #run}, over a stream. The guards'
     * {@code after} and the observers' {@code settled} hear of it once it has ended (its last part, an error inside it,
     * or the client leaving), with what it delivered; the parts' end waits for them, as a plain answer does.
     */
    public Uni<StreamAnswer> stream(InferenceRequest request) {
        return guarded(0, request, NOTHING_OUTSIDE, startStreamCall, StreamAnswer::whole);
    }

    private static final Function<InferenceOutcome, Uni<Void>> NOTHING_OUTSIDE =
            outcome -> Uni.createFrom().voidItem();

    /**
     * The one guard chain, for calls and streams: through guard {@code index} and those inside it, to {@code inner}.
     * {@code outer} gives an outcome back to the guards outside this one (each guard's {@code after} once, innermost
     * first); {@code inner} calls it once the request has settled, and so does a cancellation at any depth.
     *
     * @param answered how a guard's own answer (a replay, a refusal) is handed back
     */
    private <A> Uni<A> guarded(
            int index,
            InferenceRequest request,
            Function<InferenceOutcome, Uni<Void>> outer,
            BiFunction<InferenceRequest, Function<InferenceOutcome, Uni<Void>>, Uni<A>> inner,
            Function<InferenceOutcome, A> answered) {
        if (index == guards.size()) {
            return inner.apply(request, outer);
        }
        InferenceGuard<Object> guard = guards.get(index);
        if (!guard.appliesTo(request)) {
            return guarded(index + 1, request, outer, inner, answered);
        }
        return guard.before(request).flatMap(verdict -> {
            if (!verdict.proceeds()) {
                if (request.trace() != null) {
                    request.trace().answeredByGuard(verdict.answer());
                }
                // a refusal is an inference of its own for the observers; a replay repeats one already told
                Function<InferenceOutcome, Uni<Void>> told = verdict.settles() ? settleOnce(outer) : outer;
                return detached(() -> told.apply(verdict.answer())).replaceWith(answered.apply(verdict.answer()));
            }
            AtomicBoolean returned = new AtomicBoolean();
            Function<InferenceOutcome, Uni<Void>> after = outcome -> (returned.compareAndSet(false, true)
                            ? guard.after(request, verdict.ticket(), outcome)
                            : Uni.createFrom().voidItem())
                    .flatMap(ignored -> outer.apply(outcome));
            return guarded(index + 1, request, after, inner, answered)
                    .onCancellation()
                    .invoke(() -> forget(after.apply(InferenceOutcome.disconnected(request))));
        });
    }

    /**
     * Settles a request once, whoever comes first (its outcome, or a disconnect): the observers, then the guards'
     * {@code after}; run to their end whoever waits.
     */
    private Function<InferenceOutcome, Uni<Void>> settleOnce(Function<InferenceOutcome, Uni<Void>> guardsAfter) {
        AtomicBoolean settled = new AtomicBoolean();
        return outcome -> {
            if (!settled.compareAndSet(false, true)) {
                return Uni.createFrom().voidItem();
            }
            Uni<Void> observed = Uni.createFrom().completionStage(() -> settle(outcome));
            // no guard took the request (the common case): nothing to chain behind the observers
            return detached(
                    guardsAfter == NOTHING_OUTSIDE
                            ? () -> observed
                            : () -> observed.flatMap(ignored -> guardsAfter.apply(outcome)));
        };
    }

    private Uni<InferenceOutcome> invoke(InferenceRequest request, Function<InferenceOutcome, Uni<Void>> guardsAfter) {
        Function<InferenceOutcome, Uni<Void>> finish = settleOnce(guardsAfter);
        Uni<Void> started = Uni.createFrom().completionStage(() -> started(request));
        return Uni.combine()
                .all()
                .unis(model.invoke(request), started)
                .asTuple()
                .map(done -> outcome(request, done.getItem1()))
                .call(outcome -> finish.apply(outcome))
                .onCancellation()
                .invoke(() -> forget(finish.apply(InferenceOutcome.disconnected(request))));
    }

    private Uni<StreamAnswer> startStream(InferenceRequest request, Function<InferenceOutcome, Uni<Void>> guardsAfter) {
        Function<InferenceOutcome, Uni<Void>> finish = settleOnce(guardsAfter);
        Uni<Void> started = Uni.createFrom().completionStage(() -> started(request));
        // a stream that began but is not handed over (the client left meanwhile) must still be let go upstream
        AtomicReference<ModelStream> begun = new AtomicReference<>();
        AtomicBoolean handedOver = new AtomicBoolean();
        return Uni.combine()
                .all()
                .unis(model.stream(request).invoke(begun::set), started)
                .asTuple()
                .flatMap(done -> {
                    ModelStream stream = done.getItem1();
                    if (!stream.started()) {
                        InferenceOutcome outcome = InferenceOutcome.of(
                                request,
                                new ModelCall(null, stream.error(), stream.headNanos(), stream.attempts()),
                                TokenUsage.NONE,
                                null);
                        return finish.apply(outcome).replaceWith(StreamAnswer.whole(outcome));
                    }
                    handedOver.set(true);
                    observers.forEach(observer -> observer.streamStarted(request, stream.head()));
                    AtomicReference<InferenceOutcome> settled = new AtomicReference<>();
                    return Uni.createFrom()
                            .item(StreamAnswer.live(
                                    request, stream.head(), observed(request, stream, finish, settled), settled::get));
                })
                .onCancellation()
                .invoke(() -> {
                    ModelStream stream = begun.get();
                    if (stream != null && stream.started() && !handedOver.get()) {
                        stream.parts()
                                .subscribe()
                                .with(part -> {}, failure -> {})
                                .cancel();
                    }
                    forget(finish.apply(InferenceOutcome.disconnected(request)));
                });
    }

    /** The parts as they pass to the client, tallied; their end settles the stream before the client hears it. */
    private Multi<byte[]> observed(
            InferenceRequest request,
            ModelStream stream,
            Function<InferenceOutcome, Uni<Void>> finish,
            AtomicReference<InferenceOutcome> settled) {
        EndpointPolicies.Policy policy = policies.of(request.endpointName());
        int keep = request.idempotencyKey() != null
                ? Math.max(capturedBytes, InferenceOutcome.MAX_REPLAYED_BYTES)
                : capturedBytes;
        StreamTally tally = new StreamTally(request, stream, new StreamTokenCounter(json, policy), keep);
        return stream.parts()
                .map(part -> {
                    long gap = tally.delivered(part);
                    for (InferenceObserver observer : observers) {
                        observer.partDelivered(request, stream.head(), gap);
                    }
                    return part.bytes();
                })
                .onCompletion()
                .call(() -> {
                    InferenceOutcome outcome = streamed(request, stream, tally, null);
                    settled.set(outcome);
                    return finish.apply(outcome);
                })
                .onFailure()
                .call(failure -> finish.apply(streamed(request, stream, tally, inStream(failure))))
                .onCancellation()
                .invoke(() -> forget(finish.apply(streamed(
                        request,
                        stream,
                        tally,
                        InferenceError.of(
                                ErrorType.CLIENT_DISCONNECTED, "The client closed the connection mid-stream")))));
    }

    private InferenceOutcome streamed(
            InferenceRequest request, ModelStream stream, StreamTally tally, InferenceError error) {
        long modelNanos = System.nanoTime() - stream.callStartNanos();
        TokenUsage usage = tally.tokens();
        return InferenceOutcome.streamed(
                request,
                new ModelCall(error == null ? tally.response() : null, error, modelNanos, stream.attempts()),
                usage,
                costs.estimate(request.endpointName(), usage),
                tally.stats());
    }

    private static InferenceError inStream(Throwable failure) {
        if (failure instanceof InferenceError error) {
            return error;
        }
        return InferenceError.inStream(
                InferenceError.Origin.GATEWAY,
                ErrorType.INTERNAL_STREAM_FAILURE,
                "Sagewatch failed mid-stream: " + failure,
                null);
    }

    /**
     * Work that runs to its end once started, whoever waits for it: a client that leaves while a guard or an observer
     * is at work (saving an idempotent answer, writing the final record) must not cut it short.
     */
    private static Uni<Void> detached(Supplier<Uni<Void>> work) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            work.get().subscribe().with(ignored -> done.complete(null), failure -> done.complete(null));
            return Uni.createFrom().completionStage(done);
        });
    }

    /** Work that must happen although nobody waits for it (the client has left). */
    private static void forget(Uni<Void> work) {
        work.subscribe().with(done -> {}, failure -> {});
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
