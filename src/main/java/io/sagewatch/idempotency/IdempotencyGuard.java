package io.sagewatch.idempotency;

import java.time.Duration;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceGuard;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.PipelineOrder;
import io.sagewatch.idempotency.IdempotencyStore.Claim;
import io.smallrye.mutiny.Uni;

/**
 * Requests with an Idempotency-Key run at most once per endpoint and key within the window: the key is claimed before
 * the model is called. A duplicate while the first runs is refused (409); after it, the first outcome is the answer
 * again, without reaching the model. A key whose call the model never ran (throttled, refused, circuit open) or whose
 * client left is given back, so the client's retry with it goes through.
 */
@ApplicationScoped
@Priority(PipelineOrder.IDEMPOTENCY_GUARD)
public class IdempotencyGuard implements InferenceGuard<Claim> {

    private static final Logger LOG = Logger.getLogger(IdempotencyGuard.class);

    private final IdempotencyStore store;
    private final EndpointPolicies policies;
    private final Duration inFlightGrace;

    IdempotencyGuard(IdempotencyStore store, EndpointPolicies policies, SagewatchConfig config) {
        this.store = store;
        this.policies = policies;
        this.inFlightGrace = config.idempotency().inFlightGrace();
    }

    @Override
    public boolean appliesTo(InferenceRequest request) {
        return request.idempotencyKey() != null;
    }

    @Override
    public Uni<Verdict<Claim>> before(InferenceRequest request) {
        Duration inFlightFor = policies.of(request.endpointName()).timeout().plus(inFlightGrace);
        return store.claim(
                        request.endpointName(),
                        request.idempotencyKey(),
                        request.body(),
                        request.requestId(),
                        request.inferenceId(),
                        inFlightFor)
                .map(claim -> switch (claim.state()) {
                    case CLAIMED -> Verdict.proceed(claim);
                    case COMPLETED ->
                        Verdict.<Claim>answer(InferenceOutcome.replay(
                                request,
                                claim.inferenceId(),
                                claim.kept().response(),
                                claim.kept().error()));
                    case IN_FLIGHT ->
                        refuse(
                                request,
                                InferenceError.of(
                                        ErrorType.CONFLICT,
                                        "A request with this Idempotency-Key is in progress (inference "
                                                + claim.inferenceId() + "); retry later for its answer"));
                    case COMPLETED_NOT_KEPT ->
                        refuse(
                                request,
                                InferenceError.of(
                                        ErrorType.CONFLICT,
                                        "A request with this Idempotency-Key was completed (inference "
                                                + claim.inferenceId() + "), but its answer was too large to keep"));
                    case MISMATCH ->
                        refuse(
                                request,
                                InferenceError.validation("This Idempotency-Key was used with a different request"));
                })
                .onFailure()
                .recoverWithItem(failure -> {
                    LOG.warnf("Idempotency-Key not checked, the table failed: %s", failure.toString());
                    // without the claim, at-most-once cannot be promised: refuse rather than risk a second call
                    return refuse(
                            request,
                            InferenceError.refused(
                                    ErrorType.SERVICE_UNAVAILABLE,
                                    503,
                                    "Sagewatch "
                                            + "cannot check the Idempotency-Key now (the record table is not answering); retry later",
                                    1));
                });
    }

    @Override
    public Uni<Void> after(InferenceRequest request, Claim claim, InferenceOutcome outcome) {
        Uni<Void> kept = givesTheKeyBack(outcome) ? store.release(claim) : store.complete(claim, outcome);
        // the answer stands either way: a claim left in flight only makes duplicates wait out its in-flight time
        return kept.onFailure()
                .invoke(failure -> LOG.warnf("Idempotency-Key state not saved: %s", failure))
                .onFailure()
                .recoverWithNull();
    }

    private static Verdict<Claim> refuse(InferenceRequest request, InferenceError error) {
        return Verdict.answer(InferenceOutcome.refused(request, error));
    }

    /**
     * Refused by the gateway or declined by SageMaker (throttled, not ready, unavailable): the model did not run, a
     * retry may. A client that left had its call cancelled: its retry must not be told "in progress". Not after a
     * deadline or a broken connection: the model may have run.
     */
    static boolean givesTheKeyBack(InferenceOutcome outcome) {
        InferenceError error = outcome.error();
        if (error == null) {
            return false;
        }
        return switch (error.origin()) {
            case GATEWAY -> true;
            case UPSTREAM ->
                error.is(ErrorType.THROTTLING)
                        || error.is(ErrorType.MODEL_NOT_READY)
                        || error.is(ErrorType.SERVICE_UNAVAILABLE);
            case DEADLINE, TRANSPORT -> false;
        };
    }
}
