package io.sagewatch.budgets;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.inference.CostEstimator;
import io.sagewatch.metrics.InferenceMeters;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Every budget, and this replica's share of each one's current window ({@link LeasedWindow}). A request reserves its
 * estimate in every budget it falls under, from what the replica holds: no table call while enough is held. When not,
 * one take from the table covers every request waiting for it and the next stretch of traffic; a heartbeat writes what
 * was used and gives back what is held beyond that. Limits are never passed by the requests the table let a replica
 * take: requests exactly; tokens and cost by at most what requests used beyond their reservation.
 */
@Singleton
public class BudgetLedger {

    private static final Logger LOG = Logger.getLogger(BudgetLedger.class);
    private static final JsonFactory JSON = new JsonFactory();
    /** Take rounds one request may wait through before it is refused (each round a table call of its window). */
    private static final int MAX_ROUNDS = 8;

    private final List<Budget> budgets;
    private final Map<String, Budget> byName;
    private final BudgetTable table;
    private final MeterRegistry registry;
    private final String service;
    private final long heartbeatMillis;
    private final double aheadBeats;
    private final double maxShare;
    private final Map<String, LeasedWindow> current = new ConcurrentHashMap<>();
    /** Every window still holding something of this replica's: the current ones and those ending. */
    private final Set<LeasedWindow> windows = ConcurrentHashMap.newKeySet();

    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
    private volatile ScheduledFuture<?> heartbeat;

    /** What a request is estimated to cost, in USD, from its endpoint's price; null when it has none. */
    interface Prices {
        Double estimate(String endpoint, TokenUsage tokens);
    }

    private final Prices prices;

    @Inject
    BudgetLedger(SagewatchConfig config, BudgetTable table, CostEstimator costs, MeterRegistry registry) {
        this(
                budgets(config),
                table,
                costs::estimate,
                registry,
                config.metrics().service(),
                config.budgetLeases().heartbeat(),
                config.budgetLeases().ahead(),
                config.budgetLeases().maxShare());
    }

    BudgetLedger(
            List<Budget> budgets,
            BudgetTable table,
            Prices prices,
            MeterRegistry registry,
            String service,
            Duration heartbeat,
            Duration ahead,
            double maxShare) {
        this.budgets = List.copyOf(budgets);
        this.byName = Map.copyOf(budgets.stream().collect(java.util.stream.Collectors.toMap(Budget::name, b -> b)));
        this.table = table;
        this.prices = prices;
        this.registry = registry;
        this.service = service;
        this.heartbeatMillis = heartbeat.toMillis();
        this.aheadBeats = (double) ahead.toMillis() / Math.max(1, heartbeatMillis);
        this.maxShare = maxShare;
    }

    static List<Budget> budgets(SagewatchConfig config) {
        List<Budget> all = new ArrayList<>();
        config.budgets().forEach((name, settings) -> all.add(Budget.of(name, settings)));
        return all;
    }

    void start(@Observes @Priority(50) StartupEvent event) {
        if (budgets.isEmpty()) {
            return;
        }
        for (Budget budget : budgets) {
            for (Dimension d : Dimension.ALL) {
                if (!budget.limits(d)) {
                    continue;
                }
                InferenceMeters.budgetGauges(
                        registry,
                        service,
                        budget.name(),
                        d.label(),
                        () -> d.shown(view(budget).used(d)),
                        () -> d.shown(view(budget).remaining(d)));
            }
        }
        heartbeat = Infrastructure.getDefaultWorkerPool()
                .scheduleAtFixedRate(this::beat, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
    }

    /** Gives back everything held, so that the other replicas can use it (bounded: a stop must not hang on it). */
    void stop(@Observes ShutdownEvent event) {
        ScheduledFuture<?> beating = heartbeat;
        if (beating == null) {
            return;
        }
        beating.cancel(false);
        List<CompletableFuture<Void>> reports = new ArrayList<>();
        for (LeasedWindow window : windows) {
            reports.add(report(window, true).replaceWithVoid().subscribeAsCompletionStage());
        }
        try {
            CompletableFuture.allOf(reports.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("Budget leases not all given back at shutdown: %s", e.toString());
        }
    }

    public List<Budget> budgets() {
        return budgets;
    }

    public Budget budget(String name) {
        return byName.get(name);
    }

    /** Whether any budget counts this request. */
    boolean counts(InferenceRequest request) {
        for (Budget budget : budgets) {
            if (budget.matches(request)) {
                return true;
            }
        }
        return false;
    }

    /** What a request holds in each budget it was let through by, until it settles. */
    record Reservation(List<LeasedWindow> windows, List<long[]> needs) {}

    /** Reserves the request's estimate in every budget it falls under: the reservation, or the refusal. */
    Uni<Object> reserve(InferenceRequest request) {
        List<LeasedWindow> held = new ArrayList<>(2);
        List<long[]> needs = new ArrayList<>(2);
        long now = System.currentTimeMillis() / 1000;
        Long maxTokens = null;
        boolean maxTokensRead = false;
        for (Budget budget : budgets) {
            if (!budget.matches(request)) {
                continue;
            }
            long[] need = {1, 0, 0};
            if (budget.countsTokens()) {
                if (!maxTokensRead) {
                    maxTokens = maxOutputTokens(request);
                    maxTokensRead = true;
                }
                long input = (request.body().length + 3) / 4;
                long output = maxTokens != null ? maxTokens : budget.defaultOutputTokens();
                need[Dimension.TOKENS.ordinal()] = input + output;
                need[Dimension.COST.ordinal()] =
                        nanos(prices.estimate(request.endpointName(), new TokenUsage(input, output)));
            }
            held.add(window(budget, now));
            needs.add(need);
        }
        return reserveFrom(request, held, needs, 0);
    }

    private Uni<Object> reserveFrom(InferenceRequest request, List<LeasedWindow> held, List<long[]> needs, int index) {
        if (index == held.size()) {
            return Uni.createFrom().item(new Reservation(held, needs));
        }
        LeasedWindow window = held.get(index);
        return admit(window, needs.get(index), 0).flatMap(admission -> {
            if (admission != LeasedWindow.Admission.RESERVED) {
                for (int i = 0; i < index; i++) {
                    held.get(i).settle(needs.get(i), new long[3]);
                }
                return Uni.createFrom().item(refusal(window, admission));
            }
            return reserveFrom(request, held, needs, index + 1);
        });
    }

    private Uni<LeasedWindow.Admission> admit(LeasedWindow window, long[] need, int round) {
        LeasedWindow.Admission admission = window.reserve(need, false, System.nanoTime());
        switch (admission) {
            case RESERVED, EXHAUSTED -> {
                return Uni.createFrom().item(admission);
            }
            case UNREACHABLE -> {
                return Uni.createFrom()
                        .item(
                                window.budget.closedOnTableFailure()
                                        ? admission
                                        : window.reserve(need, true, System.nanoTime()));
            }
            default -> {
                if (round >= MAX_ROUNDS) {
                    return Uni.createFrom().item(LeasedWindow.Admission.EXHAUSTED);
                }
                @SuppressWarnings("unchecked")
                CompletableFuture<Void>[] wait = new CompletableFuture[1];
                long[] amounts = window.shortBy(need, wait, maxShare, aheadBeats);
                if (amounts != null) {
                    take(window, need, amounts);
                }
                return Uni.createFrom().completionStage(wait[0]).flatMap(done -> admit(window, need, round + 1));
            }
        }
    }

    /** One take (and, when refused for more than remains, one smaller take of what still fits). */
    private void take(LeasedWindow window, long[] need, long[] amounts) {
        table.take(window.budget, window.start, amounts)
                .flatMap(take -> {
                    if (take.granted()) {
                        return Uni.createFrom().item(new Taken(amounts, take));
                    }
                    long[] fits = window.whatFits(need, take.totals());
                    if (fits == null || isZero(fits)) {
                        return Uni.createFrom().item(new Taken(amounts, take));
                    }
                    return table.take(window.budget, window.start, fits).map(again -> new Taken(fits, again));
                })
                .subscribe()
                .with(
                        taken -> window.taken(
                                        taken.amounts(),
                                        taken.take().totals(),
                                        taken.take().granted(),
                                        System.nanoTime(),
                                        TimeUnit.MILLISECONDS.toNanos(heartbeatMillis))
                                .complete(null),
                        failure -> {
                            LOG.warnf(
                                    "Budget %s: could not lease from the table: %s",
                                    window.budget.name(), failure.toString());
                            window.taken(
                                            amounts,
                                            null,
                                            false,
                                            System.nanoTime(),
                                            TimeUnit.MILLISECONDS.toNanos(heartbeatMillis))
                                    .complete(null);
                        });
    }

    private record Taken(long[] amounts, BudgetTable.Take take) {}

    private InferenceError refusal(LeasedWindow window, LeasedWindow.Admission admission) {
        Budget budget = window.budget;
        refusals.computeIfAbsent(budget.name(), name -> InferenceMeters.budgetRefusals(registry, service, name))
                .increment();
        long now = System.currentTimeMillis() / 1000;
        if (admission == LeasedWindow.Admission.UNREACHABLE) {
            return InferenceError.budgetUnchecked(
                    budget.name(),
                    "Budget " + budget.name() + " cannot be checked now (the record table is not answering) and is set"
                            + " to refuse then; retry later",
                    1);
        }
        Dimension by = window.exhaustedBy();
        if (by == null) {
            for (Dimension d : Dimension.ALL) {
                if (budget.limits(d)) {
                    by = d;
                    break;
                }
            }
        }
        String limit = by == Dimension.COST ? "USD " + by.shown(budget.limit(by)) : budget.limit(by) + " " + by.label();
        return InferenceError.overBudget(
                budget.name(),
                budget.quota(),
                "Budget " + budget.name() + " is spent: " + limit + " per " + period(budget.periodSeconds())
                        + "; it resets at " + Budget.instant(window.end),
                (int) Math.max(1, Math.min(Integer.MAX_VALUE, window.end - now)));
    }

    /** A request let through has settled: what it used replaces what it reserved, in every budget. */
    void settle(Reservation reservation, InferenceOutcome outcome) {
        TokenUsage usage = outcome.tokens();
        boolean counted = usage != null && (usage.inputTokens() != null || usage.outputTokens() != null);
        // the model was not called (the gateway refused or failed it first): nothing but the request itself was used
        boolean notCalled = outcome.error() != null
                && outcome.error().origin() == InferenceError.Origin.GATEWAY
                && outcome.modelLatencyNanos() == 0;
        for (int i = 0; i < reservation.windows().size(); i++) {
            long[] need = reservation.needs().get(i);
            long[] used = {1, 0, 0};
            if (counted) {
                used[Dimension.TOKENS.ordinal()] = value(usage.inputTokens()) + value(usage.outputTokens());
                used[Dimension.COST.ordinal()] = nanos(outcome.costUsd());
            } else if (!notCalled) {
                // the model ran but told no usage (a client that left, a container that reports none): what was
                // reserved counts, so that an uncounted answer never spends nothing
                used[Dimension.TOKENS.ordinal()] = need[Dimension.TOKENS.ordinal()];
                used[Dimension.COST.ordinal()] = need[Dimension.COST.ordinal()];
            }
            reservation.windows().get(i).settle(need, used);
        }
    }

    /** This replica's share of the budget's current window. */
    private LeasedWindow window(Budget budget, long nowEpochSecond) {
        LeasedWindow window = current.get(budget.name());
        if (window != null && nowEpochSecond >= window.start && nowEpochSecond < window.end) {
            return window;
        }
        long start = budget.windowStart(nowEpochSecond);
        LeasedWindow next = current.compute(
                budget.name(),
                (name, existing) ->
                        existing != null && existing.start == start ? existing : new LeasedWindow(budget, start));
        windows.add(next);
        return next;
    }

    /** The current window as this replica sees it (for the meters and the rate-limit headers). */
    LeasedWindow view(Budget budget) {
        return window(budget, System.currentTimeMillis() / 1000);
    }

    /** The current window's start, for a read of the table. */
    long currentStart(Budget budget) {
        return budget.windowStart(System.currentTimeMillis() / 1000);
    }

    /** The budget's current window in the table (every replica's reports), for the budgets API. */
    public Uni<BudgetWindowView> current(Budget budget) {
        long start = currentStart(budget);
        return table.read(budget, start).map(totals -> new BudgetWindowView(budget, start, totals));
    }

    /**
     * OpenAI's rate-limit headers for a request, per dimension from the tightest budget it falls under (requests;
     * tokens): limit, remaining (this replica's view: the table's at its last answer, plus what it holds) and the time
     * to the window's reset. None when no budget limits the dimension.
     */
    public void rateLimitHeaders(InferenceRequest request, java.util.function.BiConsumer<String, String> header) {
        for (Dimension d : new Dimension[] {Dimension.REQUESTS, Dimension.TOKENS}) {
            LeasedWindow tightest = null;
            long remaining = Long.MAX_VALUE;
            for (Budget budget : budgets) {
                if (budget.limits(d) && budget.matches(request)) {
                    LeasedWindow window = view(budget);
                    long left = window.remaining(d);
                    if (left < remaining) {
                        remaining = left;
                        tightest = window;
                    }
                }
            }
            if (tightest != null) {
                String suffix = d == Dimension.REQUESTS ? "requests" : "tokens";
                long resetMillis = Math.max(0, tightest.end * 1000 - System.currentTimeMillis());
                header.accept("x-ratelimit-limit-" + suffix, Long.toString(tightest.budget.limit(d)));
                header.accept("x-ratelimit-remaining-" + suffix, Long.toString(remaining));
                header.accept("x-ratelimit-reset-" + suffix, resetIn(resetMillis));
            }
        }
    }

    /** A time to reset as OpenAI writes one: {@code 20ms}, {@code 17s}, {@code 6m0s}, {@code 1h2m3s}. */
    static String resetIn(long millis) {
        if (millis < 1000) {
            return millis + "ms";
        }
        long seconds = (millis + 999) / 1000;
        long hours = seconds / 3600;
        long minutes = seconds % 3600 / 60;
        long rest = seconds % 60;
        if (hours > 0) {
            return hours + "h" + minutes + "m" + rest + "s";
        }
        return minutes > 0 ? minutes + "m" + rest + "s" : rest + "s";
    }

    private void beat() {
        try {
            long now = System.currentTimeMillis() / 1000;
            for (LeasedWindow window : windows) {
                report(window, now >= window.end).subscribe().with(written -> {
                    // forgotten only once what it held and used is in the table
                    if (written && window.done(now)) {
                        windows.remove(window);
                        current.remove(window.budget.name(), window);
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.warnf("Budget heartbeat failed: %s", e.toString());
        }
    }

    /** Writes the window's report, if it has anything to say: true once written (or nothing to write). */
    private Uni<Boolean> report(LeasedWindow window, boolean closing) {
        LeasedWindow.Report report = window.report(closing, aheadBeats);
        if (report.empty()) {
            return Uni.createFrom().item(true);
        }
        return table.report(window.budget, window.start, report.used(), report.given())
                .invoke(window::reported)
                .replaceWith(true)
                .onFailure()
                .recoverWithItem(failure -> {
                    window.unreported(report);
                    LOG.debugf("Budget %s: report not written: %s", window.budget.name(), failure);
                    return false;
                });
    }

    /**
     * The {@code max_tokens} (OpenAI), {@code max_completion_tokens} or {@code max_new_tokens} (Hugging Face) a JSON
     * body asks for, at any depth; null when it names none or is not JSON.
     */
    static Long maxOutputTokens(InferenceRequest request) {
        String type = request.contentType();
        if (type == null || !type.contains("json")) {
            return null;
        }
        try (JsonParser parser = JSON.createParser(request.body())) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    if ("max_tokens".equals(name)
                            || "max_completion_tokens".equals(name)
                            || "max_new_tokens".equals(name)) {
                        if (parser.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                            return Math.max(0, parser.getLongValue());
                        }
                    }
                }
            }
        } catch (IOException e) {
            return null; // not JSON after all: the default applies
        }
        return null;
    }

    static String period(long seconds) {
        Duration period = Duration.ofSeconds(seconds);
        if (seconds % 86_400 == 0) {
            return period.toDays() + "d";
        }
        if (seconds % 3600 == 0) {
            return period.toHours() + "h";
        }
        if (seconds % 60 == 0) {
            return period.toMinutes() + "m";
        }
        return seconds + "s";
    }

    static Instant resetsAt(LeasedWindow window) {
        return Budget.instant(window.end);
    }

    private static long value(Long value) {
        return value == null ? 0 : value;
    }

    private static long nanos(Double usd) {
        return usd == null ? 0 : Math.round(usd * Dimension.NANOS_PER_USD);
    }

    private static boolean isZero(long[] values) {
        for (long v : values) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }
}
