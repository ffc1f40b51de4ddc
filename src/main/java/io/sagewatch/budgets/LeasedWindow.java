package io.sagewatch.budgets;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * One replica's share of one window of a budget. What it {@code held} was taken from the table and is spent locally,
 * without a table call, by the requests it admits; a request reserves its estimate and gives back the difference when
 * it settles (held may go below zero when a request used more than it reserved: the next report takes the
 * difference). A report every heartbeat writes what was used and gives back what is held beyond the next stretch of
 * traffic; a report is sent again, unchanged, until the table confirms it, and the table applies each one once.
 * Small critical sections under the window's own lock; nothing in here waits for the table.
 */
final class LeasedWindow {

    enum Admission {
        RESERVED,
        /** Not enough held: a take from the table is needed. */
        SHORT,
        /** What the table last said remains is less than this request needs (asked again after a heartbeat). */
        EXHAUSTED,
        /** The table did not answer recently. */
        UNREACHABLE,
        /** Other requests took every lease this one waited for, round after round: a retry may pass. */
        CONTENDED
    }

    final Budget budget;
    final long start;
    final long end;

    private final long[] held = new long[3];
    private final long[] usedUnreported = new long[3];
    private final long[] demand = new long[3];
    /** Demand over the last heartbeat: how much the replica spends between two of them. */
    private final long[] lastDemand = new long[3];
    /** The table's totals at its last answer, for the remaining this replica reports. */
    private long[] tableTaken = new long[3];

    private long[] tableUsed = new long[3];
    private boolean tableKnown;
    private int inFlight;
    /** Until then, a request that does not fit in what the table last said remains is refused without asking. */
    private long exhaustedUntilNanos;

    private Dimension exhaustedBy;
    private long unreachableUntilNanos;
    /** The take in flight, which requests short of what they need wait for; null when none. */
    private CompletableFuture<Void> taking;
    /** What the requests waiting for the take in flight need beyond what is held: the next take's size. */
    private final long[] waiting = new long[3];
    /** Requests waiting for a take. */
    private int waiters;
    /** The report sent and not yet confirmed: sent again, as it is, until the table confirms it. */
    private Report pending;

    private boolean reporting;
    private long sequence;
    /** Dropped by the ledger: a request that finds it so takes the budget's current window instead. */
    private boolean retired;

    LeasedWindow(Budget budget, long start) {
        this.budget = budget;
        this.start = start;
        this.end = start + budget.periodSeconds();
        // System.nanoTime() may be negative: "until" starts as now, already past
        long now = System.nanoTime();
        this.exhaustedUntilNanos = now;
        this.unreachableUntilNanos = now;
    }

    /**
     * Reserves {@code need} from what is held, or says why not. {@code waited}: the request waited for a take (it is no
     * longer waiting now); a request that did not wait goes behind those that do, so that a take's lease serves the
     * requests it was taken for rather than the next ones to arrive.
     */
    synchronized Admission reserve(long[] need, boolean force, long nowNanos, boolean waited) {
        if (waited) {
            waiters--;
        }
        boolean enough = force || waited || waiters == 0;
        for (int i = 0; i < 3 && enough; i++) {
            if (budget.limits()[i] != Budget.NONE && held[i] < need[i]) {
                enough = false;
            }
        }
        if (!enough && !force) {
            if (nowNanos - exhaustedUntilNanos < 0 && !fitsInWhatRemains(need)) {
                return Admission.EXHAUSTED;
            }
            if (nowNanos - unreachableUntilNanos < 0) {
                return Admission.UNREACHABLE;
            }
            return Admission.SHORT;
        }
        for (int i = 0; i < 3; i++) {
            if (budget.limits()[i] != Budget.NONE) {
                held[i] -= need[i];
            }
            demand[i] = saturated(demand[i] + need[i]);
        }
        inFlight++;
        return Admission.RESERVED;
    }

    /** Whether what the table last said remains (plus what is held) could cover this request. */
    private boolean fitsInWhatRemains(long[] need) {
        for (int i = 0; i < 3; i++) {
            if (budget.limits()[i] != Budget.NONE && need[i] - held[i] > budget.limits()[i] - tableTaken[i]) {
                exhaustedBy = Dimension.ALL[i];
                return false;
            }
        }
        return true;
    }

    /** A request this window admitted has settled: its reservation becomes what it used. */
    synchronized void settle(long[] reserved, long[] used) {
        for (int i = 0; i < 3; i++) {
            if (budget.limits()[i] != Budget.NONE) {
                held[i] += reserved[i] - used[i];
            }
            usedUnreported[i] = saturated(usedUnreported[i] + used[i]);
        }
        inFlight--;
    }

    /**
     * Joins the take in flight, or begins one: the returned amounts, to be taken by the caller, when a take begins
     * (null when joining).
     */
    synchronized long[] shortBy(long[] need, CompletableFuture<Void>[] wait, double maxShare, double aheadBeats) {
        waiters++;
        for (int i = 0; i < 3; i++) {
            if (budget.limits()[i] != Budget.NONE) {
                // bounded: a window never needs more than its limit plus one at once
                waiting[i] = Math.min(budget.limits()[i] + 1, waiting[i] + Math.max(0, need[i]));
            }
        }
        if (taking != null) {
            wait[0] = taking;
            return null;
        }
        taking = new CompletableFuture<>();
        wait[0] = taking;
        long[] amounts = new long[3];
        for (int i = 0; i < 3; i++) {
            long limit = budget.limits()[i];
            if (limit == Budget.NONE) {
                continue;
            }
            long shortfall = Math.max(0, waiting[i] - held[i]);
            // a lease: what is short now, and the traffic of the next stretch (at least a few such requests);
            // ahead = 0: only what is short
            long ahead = aheadBeats == 0
                    ? 0
                    : Math.min(limit, Math.max((long) Math.ceil(lastDemand[i] * aheadBeats), 4 * need[i]));
            long amount = shortfall + ahead;
            long remaining = limit - (tableKnown ? tableTaken[i] : 0);
            if (tableKnown) {
                amount = Math.min(amount, Math.max(shortfall, (long) Math.floor(remaining * maxShare)));
            }
            // never more than can remain: a take beyond it is refused, however little is needed
            amounts[i] = Math.min(Math.max(amount, shortfall), Math.max(remaining, shortfall));
        }
        return amounts;
    }

    /** A request stopped waiting for a take without coming back for it (its client left). */
    synchronized void leftQueue() {
        waiters--;
    }

    /** The take began by {@link #shortBy} ended: granted (what it took), refused, or failed (the table). */
    synchronized CompletableFuture<Void> taken(
            long[] amounts, BudgetTable.Totals totals, boolean granted, long nowNanos, long pauseNanos) {
        if (totals != null) {
            tableTaken = totals.taken();
            tableUsed = totals.used();
            tableKnown = true;
        }
        if (granted) {
            for (int i = 0; i < 3; i++) {
                held[i] += amounts[i];
            }
        } else if (totals != null) {
            // refused for more than remains: requests that do not fit in it are refused until the next heartbeat
            exhaustedUntilNanos = nowNanos + pauseNanos;
        } else {
            unreachableUntilNanos = nowNanos + pauseNanos;
        }
        Arrays.fill(waiting, 0);
        CompletableFuture<Void> done = taking;
        taking = null;
        return done;
    }

    /**
     * Refused for more than remains: retry a smaller take at once, if what one request needs still fits. The amounts to
     * take, or null when even that does not fit.
     */
    synchronized long[] whatFits(long[] need, BudgetTable.Totals totals) {
        long[] amounts = new long[3];
        for (int i = 0; i < 3; i++) {
            if (budget.limits()[i] == Budget.NONE) {
                continue;
            }
            long left = budget.limits()[i] - totals.taken()[i];
            long shortfall = Math.max(0, need[i] - held[i]);
            if (left < shortfall) {
                exhaustedBy = Dimension.ALL[i];
                return null;
            }
            amounts[i] = Math.min(left, Math.max(shortfall, Math.max(0, waiting[i] - held[i])));
        }
        return amounts;
    }

    synchronized Dimension exhaustedBy() {
        return exhaustedBy;
    }

    /**
     * What a heartbeat writes: used since the last report, and given back (negative: taken to cover a deficit); its
     * sequence number makes the table apply it once, however often it is sent.
     */
    record Report(long sequence, long[] used, long[] given) {
        boolean empty() {
            for (int i = 0; i < 3; i++) {
                if (used[i] != 0 || given[i] != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The report to send now, or null when one is already on its way or there is nothing to say: the unconfirmed one
     * again, else a new one.
     */
    synchronized Report report(boolean closing, double aheadBeats) {
        if (reporting) {
            return null;
        }
        for (int i = 0; i < 3; i++) {
            lastDemand[i] = demand[i];
            demand[i] = 0;
        }
        if (pending == null) {
            long[] used = usedUnreported.clone();
            long[] given = new long[3];
            for (int i = 0; i < 3; i++) {
                usedUnreported[i] = 0;
                if (budget.limits()[i] == Budget.NONE) {
                    continue;
                }
                long keep = closing ? 0 : (long) Math.ceil(lastDemand[i] * aheadBeats);
                // give back only what is well beyond the next stretch, so that steady traffic does not write every beat
                if (held[i] > 2 * keep || (closing && held[i] > 0)) {
                    given[i] = held[i] - keep;
                } else if (held[i] < 0) {
                    given[i] = held[i];
                }
                held[i] -= given[i];
            }
            Report next = new Report(sequence + 1, used, given);
            if (next.empty()) {
                return null;
            }
            sequence++;
            pending = next;
        }
        reporting = true;
        return pending;
    }

    /** The table applied the report (now or at an earlier attempt): its figures, when the table gave them. */
    synchronized void reported(Report report, BudgetTable.Totals totals) {
        reporting = false;
        if (pending == report) {
            pending = null;
        }
        if (totals != null) {
            tableTaken = totals.taken();
            tableUsed = totals.used();
            tableKnown = true;
        }
    }

    /** The report's fate is unknown (the table did not answer): it is sent again, as it is, at the next heartbeat. */
    synchronized void unconfirmed() {
        reporting = false;
    }

    /** Ended, settled and given back, and that confirmed: nothing of it is left on this replica. */
    synchronized boolean done(long nowEpochSecond) {
        if (nowEpochSecond < end || inFlight > 0 || pending != null || reporting || taking != null) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            if (held[i] != 0 || usedUnreported[i] != 0) {
                return false;
            }
        }
        retired = true;
        return true;
    }

    synchronized boolean retired() {
        return retired;
    }

    /** This replica's view of what remains in the window: the table's at its last answer, plus what it holds. */
    synchronized long remaining(Dimension d) {
        int i = d.ordinal();
        return Math.max(0, budget.limits()[i] - tableTaken[i] + Math.max(0, held[i]));
    }

    /** This replica's view of what was used: the table's at its last answer, plus what it has not reported yet. */
    synchronized long used(Dimension d) {
        return tableUsed[d.ordinal()] + usedUnreported[d.ordinal()];
    }

    private static long saturated(long sum) {
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
