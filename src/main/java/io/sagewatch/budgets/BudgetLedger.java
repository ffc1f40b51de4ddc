package io.sagewatch.budgets;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import io.vertx.core.Context;
import io.vertx.core.Vertx;

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
    /** Take rounds one request may wait through before it is refused (each round a table call of its window). */
    private static final int MAX_ROUNDS = 16;
    /** How long requests wait for a lease before the table counts as failing (its policy then decides). */
    static final Duration TAKE_TIMEOUT = Duration.ofSeconds(2);

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
    /** This replica's name in the table's windows: its reports are numbered under it. */
    private final String replica = java.util.UUID.randomUUID().toString().replace("-", "");

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
            // more than the whole window holds is refused as not fitting: no figure past limit + 1 is ever added
            for (Dimension d : Dimension.ALL) {
                if (budget.limits(d)) {
                    need[d.ordinal()] = Math.min(need[d.ordinal()], budget.limit(d) + 1);
                }
            }
            held.add(window(budget, now));
            needs.add(need);
        }
        Reserving reserving = new Reserving(held, needs);
        return reserveFrom(reserving, 0)
                // a client that leaves while the request waits for a lease: what it reserved so far goes back
                .onCancellation()
                .invoke(reserving::cancel);
    }

    /** A reservation under way: which budgets it holds so far; cancelled at most once, each one given back once. */
    private static final class Reserving {
        final List<LeasedWindow> windows;
        final List<long[]> needs;
        private int reserved;
        private boolean cancelled;

        Reserving(List<LeasedWindow> windows, List<long[]> needs) {
            this.windows = windows;
            this.needs = needs;
        }

        /** Counts the reservation in budget {@code index}, or gives it back at once when the request was cancelled. */
        synchronized boolean keep(int index) {
            if (cancelled) {
                windows.get(index).settle(needs.get(index), new long[3]);
                return false;
            }
            reserved = index + 1;
            return true;
        }

        synchronized void cancel() {
            if (!cancelled) {
                cancelled = true;
                release(reserved);
            }
        }

        /** Gives back the first {@code count} reservations (nothing was used). */
        private void release(int count) {
            for (int i = 0; i < count; i++) {
                windows.get(i).settle(needs.get(i), new long[3]);
            }
        }
    }

    private Uni<Object> reserveFrom(Reserving reserving, int index) {
        if (index == reserving.windows.size()) {
            return Uni.createFrom().item(new Reservation(reserving.windows, reserving.needs));
        }
        long[] need = reserving.needs.get(index);
        return admit(reserving.windows.get(index), need, 0, Vertx.currentContext(), false)
                .flatMap(admitted -> {
                    // a window dropped meanwhile was replaced by the budget's current one
                    reserving.windows.set(index, admitted.window());
                    if (admitted.admission() != LeasedWindow.Admission.RESERVED) {
                        reserving.cancel(); // gives back what the earlier budgets reserved
                        return Uni.createFrom().item(refusal(admitted.window(), admitted.admission()));
                    }
                    if (!reserving.keep(index)) {
                        return Uni.createFrom().nothing();
                    }
                    return reserveFrom(reserving, index + 1);
                });
    }

    private record Admitted(LeasedWindow window, LeasedWindow.Admission admission) {}

    /**
     * Reserves from what the window holds, or waits for a take (one per window at a time, shared by every request
     * waiting), round after round; continues on the request's own event loop ({@code context}) after a wait.
     */
    private Uni<Admitted> admit(LeasedWindow window, long[] need, int round, Context context, boolean waited) {
        LeasedWindow at = window;
        boolean stillWaiting = waited;
        if (window.retired()) {
            // dropped meanwhile (its window ended): the budget's current one, which this request never waited in
            at = window(window.budget, System.currentTimeMillis() / 1000);
            stillWaiting = false;
        }
        LeasedWindow.Admission admission = at.reserve(need, false, System.nanoTime(), stillWaiting);
        switch (admission) {
            case RESERVED, EXHAUSTED -> {
                return Uni.createFrom().item(new Admitted(at, admission));
            }
            case UNREACHABLE -> {
                return Uni.createFrom()
                        .item(new Admitted(
                                at,
                                at.budget.closedOnTableFailure()
                                        ? admission
                                        : at.reserve(need, true, System.nanoTime(), false)));
            }
            default -> {
                if (round >= MAX_ROUNDS) {
                    return Uni.createFrom().item(new Admitted(at, LeasedWindow.Admission.CONTENDED));
                }
                @SuppressWarnings("unchecked")
                CompletableFuture<Void>[] wait = new CompletableFuture[1];
                long[] amounts = at.shortBy(need, wait, maxShare, aheadBeats);
                if (amounts != null) {
                    take(at, need, amounts);
                }
                // a copy: a request that leaves cancels its own wait, not the take the others wait for too
                Uni<Void> taken = Uni.createFrom().completionStage(wait[0].copy());
                if (context != null) {
                    taken = taken.emitOn(command -> context.runOnContext(ignored -> command.run()));
                }
                LeasedWindow waitedIn = at;
                return taken
                        // left before the take ended: no longer waiting (else the next step says so)
                        .onCancellation()
                        .invoke(waitedIn::leftQueue)
                        .flatMap(done -> admit(waitedIn, need, round + 1, context, true));
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
                // the waiting requests are not held longer than this by a table that does not answer (a take that
                // lands later is counted as taken, never spent: the cap is safe, a little of it idle)
                .ifNoItem()
                .after(TAKE_TIMEOUT)
                .fail()
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
        if (admission == LeasedWindow.Admission.CONTENDED) {
            return InferenceError.overBudget(
                    budget.name(),
                    false,
                    "Budget " + budget.name() + ": too many requests at once for the leases this gateway could take;"
                            + " retry",
                    1);
        }
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
                used[Dimension.TOKENS.ordinal()] = Math.min(
                        MAX_COUNTED,
                        Math.max(0, value(usage.inputTokens())) + Math.max(0, value(usage.outputTokens())));
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
                    // forgotten only once what it held and used is confirmed in the table
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

    /** Sends the window's report, if it has one: true once the table confirmed it (or there was nothing to send). */
    private Uni<Boolean> report(LeasedWindow window, boolean closing) {
        LeasedWindow.Report report = window.report(closing, aheadBeats);
        if (report == null) {
            return Uni.createFrom().item(true);
        }
        return table.report(window.budget, window.start, replica, report)
                .ifNoItem()
                .after(TAKE_TIMEOUT)
                .fail()
                .map(totals -> {
                    window.reported(report, totals);
                    return true;
                })
                .onFailure()
                .recoverWithItem(failure -> {
                    // sent again, unchanged, at the next heartbeat: the table applies it once
                    window.unconfirmed();
                    LOG.debugf("Budget %s: report not confirmed: %s", window.budget.name(), failure);
                    return false;
                });
    }

    /** How much of a body's head and of its tail is searched for its {@code max_tokens}: bounded work per request. */
    static final int SCANNED_BYTES = 64 * 1024;

    private static final byte[][] MAX_TOKENS_KEYS = {
        "\"max_tokens\"".getBytes(StandardCharsets.US_ASCII),
        "\"max_completion_tokens\"".getBytes(StandardCharsets.US_ASCII),
        "\"max_new_tokens\"".getBytes(StandardCharsets.US_ASCII)
    };

    /**
     * The {@code max_tokens} (OpenAI), {@code max_completion_tokens} or {@code max_new_tokens} (Hugging Face) a JSON
     * body asks for, at any depth (the largest, if it names several); null when it names none or is not JSON. Only the
     * first and the last
     * {@value #SCANNED_BYTES} bytes are searched (a key and its number, not inside a string: an escaped quote before
     * it is skipped), so a body of megabytes costs no more than one of 128 KB on the event loop; a key beyond them is
     * missed and the budget's default reserved instead (the settled usage corrects it).
     */
    static Long maxOutputTokens(InferenceRequest request) {
        String type = request.contentType();
        if (type == null || !type.contains("json")) {
            return null;
        }
        byte[] body = request.body();
        Long head = scan(body, 0, Math.min(body.length, SCANNED_BYTES));
        Long tail = body.length > SCANNED_BYTES
                ? scan(body, Math.max(SCANNED_BYTES, body.length - SCANNED_BYTES), body.length)
                : null;
        if (head == null || tail == null) {
            return head == null ? tail : head;
        }
        return Long.valueOf(Math.max(head, tail));
    }

    /** The largest value of any of the keys in {@code [from, to)}: a nested or repeated key only reserves more. */
    private static Long scan(byte[] body, int from, int to) {
        Long largest = null;
        for (int i = from; i < to; i++) {
            if (body[i] != '"' || (i > 0 && body[i - 1] == '\\')) {
                continue;
            }
            for (byte[] key : MAX_TOKENS_KEYS) {
                if (i + key.length <= to && java.util.Arrays.equals(body, i, i + key.length, key, 0, key.length)) {
                    Long value = numberAfterColon(body, i + key.length, to);
                    if (value != null && (largest == null || value > largest)) {
                        largest = value;
                    }
                }
            }
        }
        return largest;
    }

    /** The whole number after {@code :} (whitespace allowed around it), or null when something else follows. */
    private static Long numberAfterColon(byte[] body, int at, int to) {
        int i = skipSpace(body, at, to);
        if (i >= to || body[i] != ':') {
            return null;
        }
        i = skipSpace(body, i + 1, to);
        long value = 0;
        int digits = 0;
        while (i < to && body[i] >= '0' && body[i] <= '9' && digits < 12) {
            value = value * 10 + (body[i] - '0');
            digits++;
            i++;
        }
        return digits == 0 ? null : value;
    }

    private static int skipSpace(byte[] body, int i, int to) {
        while (i < to && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r')) {
            i++;
        }
        return i;
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

    private static long value(Long value) {
        return value == null ? 0 : Math.min(MAX_COUNTED, value);
    }

    /** What one request may count in any dimension: far beyond any limit, and no sum of a few of them overflows. */
    static final long MAX_COUNTED = 1_000_000_000_000_000L;

    private static long nanos(Double usd) {
        return usd == null || !(usd > 0) ? 0 : Math.min(MAX_COUNTED, Math.round(usd * Dimension.NANOS_PER_USD));
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
