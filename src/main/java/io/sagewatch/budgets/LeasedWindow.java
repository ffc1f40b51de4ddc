package io.sagewatch.budgets;

import java.util.concurrent.CompletableFuture;

/**
 * One replica's share of one window of a budget. What it {@code held} was taken from the table and is spent locally,
 * without a table call, by the requests it admits; a request reserves its estimate and gives back the difference when
 * it settles (held may go below zero when a request used more than it reserved: the next report takes the
 * difference). A report every heartbeat writes what was used and gives back what is held beyond the next stretch of
 * traffic. Small critical sections under the window's own lock; nothing in here waits for the table.
 */
final class LeasedWindow {

    enum Admission {
        RESERVED,
        /** Not enough held: a take from the table is needed. */
        SHORT,
        /** The table said the window has not enough left (recently: asked again after a heartbeat). */
        EXHAUSTED,
        /** The table did not answer recently. */
        UNREACHABLE
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
    private long exhaustedUntilNanos;
    private Dimension exhaustedBy;
    private long unreachableUntilNanos;
    /** The take in flight, which requests short of what they need wait for; null when none. */
    private CompletableFuture<Void> taking;
    /** What the requests waiting for the take in flight need beyond what is held: the next take's size. */
    private final long[] waiting = new long[3];

    LeasedWindow(Budget budget, long start) {
        this.budget = budget;
        this.start = start;
        this.end = start + budget.periodSeconds();
    }

    synchronized Admission reserve(long[] need, boolean force, long nowNanos) {
        boolean enough = true;
        for (Dimension d : Dimension.ALL) {
            if (budget.limits(d) && held[d.ordinal()] < need[d.ordinal()]) {
                enough = false;
                break;
            }
        }
        if (!enough && !force) {
            if (nowNanos - exhaustedUntilNanos < 0) {
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
            demand[i] += need[i];
        }
        inFlight++;
        return Admission.RESERVED;
    }

    /** A request this window admitted has settled: its reservation becomes what it used. */
    synchronized void settle(long[] reserved, long[] used) {
        for (int i = 0; i < 3; i++) {
            if (budget.limits()[i] != Budget.NONE) {
                held[i] += reserved[i] - used[i];
            }
            usedUnreported[i] += used[i];
        }
        inFlight--;
    }

    /**
     * Joins the take in flight, or begins one: the returned amounts, to be taken by the caller, when a take begins
     * (null when joining).
     */
    synchronized long[] shortBy(long[] need, CompletableFuture<Void>[] wait, double maxShare, double aheadBeats) {
        for (int i = 0; i < 3; i++) {
            if (budget.limits()[i] != Budget.NONE) {
                waiting[i] += Math.max(0, need[i]);
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
            if (budget.limits()[i] == Budget.NONE) {
                continue;
            }
            long shortfall = Math.max(0, waiting[i] - held[i]);
            // a lease: what is short now, and the traffic of the next stretch (at least a few such requests)
            long ahead = Math.max((long) Math.ceil(lastDemand[i] * aheadBeats), 4 * need[i]);
            long amount = shortfall + ahead;
            long remaining = budget.limits()[i] - (tableKnown ? tableTaken[i] : 0);
            if (tableKnown) {
                amount = Math.min(amount, Math.max(shortfall, (long) Math.floor(remaining * maxShare)));
            }
            // never more than can remain: a take beyond it is refused, however little is needed
            amounts[i] = Math.min(Math.max(amount, shortfall), Math.max(remaining, shortfall));
        }
        return amounts;
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
            exhaustedUntilNanos = nowNanos + pauseNanos;
            exhaustedBy = null;
            for (Dimension d : Dimension.ALL) {
                if (budget.limits(d) && amounts[d.ordinal()] > budget.limit(d) - tableTaken[d.ordinal()]) {
                    exhaustedBy = d;
                    break;
                }
            }
        } else {
            unreachableUntilNanos = nowNanos + pauseNanos;
        }
        java.util.Arrays.fill(waiting, 0);
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
                return null;
            }
            amounts[i] = Math.min(left, Math.max(shortfall, Math.max(0, waiting[i] - held[i])));
        }
        return amounts;
    }

    Dimension exhaustedBy() {
        return exhaustedBy;
    }

    /** What to write at a heartbeat: used since the last one, and given back (negative: taken to cover a deficit). */
    record Report(long[] used, long[] given) {
        boolean empty() {
            for (int i = 0; i < 3; i++) {
                if (used[i] != 0 || given[i] != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    synchronized Report report(boolean closing, double aheadBeats) {
        long[] used = usedUnreported.clone();
        long[] given = new long[3];
        for (int i = 0; i < 3; i++) {
            lastDemand[i] = demand[i];
            demand[i] = 0;
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
        return new Report(used, given);
    }

    /** The report could not be written: what it carried is this replica's again, for the next one. */
    synchronized void unreported(Report report) {
        for (int i = 0; i < 3; i++) {
            usedUnreported[i] += report.used()[i];
            held[i] += report.given()[i];
        }
    }

    synchronized void reported(BudgetTable.Totals totals) {
        tableTaken = totals.taken();
        tableUsed = totals.used();
        tableKnown = true;
    }

    /** Ended, settled and given back: nothing of it is left on this replica. */
    synchronized boolean done(long nowEpochSecond) {
        if (nowEpochSecond < end || inFlight > 0) {
            return false;
        }
        for (int i = 0; i < 3; i++) {
            if (held[i] != 0 || usedUnreported[i] != 0) {
                return false;
            }
        }
        return true;
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
}
