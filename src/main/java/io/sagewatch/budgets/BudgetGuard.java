package io.sagewatch.budgets;

import jakarta.annotation.Priority;
import jakarta.inject.Singleton;

import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceGuard;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.PipelineOrder;
import io.smallrye.mutiny.Uni;

/**
 * Budgets before the model is called, settled after: a request reserves its estimate in every budget it falls under
 * (or is refused, naming the budget, and never reaches the model); its real usage replaces the reservation when it
 * settles (a stream when it ends). Inside idempotency: a replayed answer spends nothing. A singleton: it is called twice
 * per request, with no client proxy in between.
 */
@Singleton
@Priority(PipelineOrder.BUDGET_GUARD)
public class BudgetGuard implements InferenceGuard<BudgetLedger.Reservation> {

    private static final Uni<Void> DONE = Uni.createFrom().voidItem();

    private final BudgetLedger ledger;
    private final boolean any;

    BudgetGuard(BudgetLedger ledger) {
        this.ledger = ledger;
        this.any = !ledger.budgets().isEmpty();
    }

    @Override
    public boolean appliesTo(InferenceRequest request) {
        return any && ledger.counts(request);
    }

    @Override
    public Uni<Verdict<BudgetLedger.Reservation>> before(InferenceRequest request) {
        return ledger.reserve(request)
                .map(result -> result instanceof InferenceError refusal
                        ? Verdict.refuse(InferenceOutcome.refused(request, refusal))
                        : Verdict.proceed((BudgetLedger.Reservation) result));
    }

    @Override
    public Uni<Void> after(InferenceRequest request, BudgetLedger.Reservation reservation, InferenceOutcome outcome) {
        ledger.settle(reservation, outcome);
        return DONE;
    }
}
