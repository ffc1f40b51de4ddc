package io.sagewatch.records;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.Futures;
import io.sagewatch.metrics.InferenceMeters;
import io.sagewatch.table.BatchWriteCall;
import io.sagewatch.table.InferenceTable;
import io.sagewatch.tracing.TableWriteSpans;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Records on their way to the table: a bounded write-behind queue, for the in-progress records (written beside the
 * model call, the evidence that an answered inference happened) and the final ones.
 * <ul>
 * <li>Records go out in BatchWriteItem calls of up to 25, as soon as a call slot is free: alone when the gateway is
 * quiet (no added delay), in fuller batches under load (fewer calls, each signed, and less CPU per record).</li>
 * <li>When the table fails, records stay queued and the queue retries with backoff until it answers again: inferences
 * keep being served. The queue is bounded in bytes; a record that does not fit is dead-lettered at once.</li>
 * <li>A record with a deadline (Lambda, where a frozen process cannot hold anything) is dead-lettered when the
 * deadline passes unwritten. Items DynamoDB rejects as invalid are dead-lettered one by one.</li>
 * <li>Per request, an in-progress record never lands after its final one (BatchWriteItem has no conditions): a final
 * record replaces its in-progress record while that one is still queued, and waits while it is under way. In-progress
 * records are never dead-lettered: the final one carries everything they hold.</li>
 * </ul>
 * Every record ends in the table or in a dead-letter line; {@link #submit}'s stage completes then, never exceptionally.
 */
@ApplicationScoped
public class RecordSpool {

    /** BatchWriteItem's own limit. */
    static final int MAX_BATCH = 25;

    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Logger LOG = Logger.getLogger(RecordSpool.class);

    private final BatchWriteCall writes;
    private final InferenceTable table;
    private final DeadLetterLog deadLetters;
    private final InferenceMeters meters;
    private final TableWriteSpans spans;
    private final SagewatchConfig.Store config;

    private final ConcurrentLinkedDeque<Entry> queue = new ConcurrentLinkedDeque<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicInteger queued = new AtomicInteger();
    /** Calls under way that carry no in-progress record. */
    private final AtomicInteger callsInFlight = new AtomicInteger();
    /**
     * Calls under way that carry in-progress records: a lane of their own, so that an answer (which waits for its
     * in-progress record) never queues behind final records, which nothing waits for.
     */
    private final AtomicInteger urgentCallsInFlight = new AtomicInteger();

    private final Set<Entry> inFlight = ConcurrentHashMap.newKeySet();
    /** Consecutive failed calls; > 0 means the table is failing and calls wait out a backoff. */
    private final AtomicInteger failures = new AtomicInteger();

    private volatile long retryAtNanos;
    private volatile String lastFailure;

    RecordSpool(
            BatchWriteCall writes,
            InferenceTable table,
            DeadLetterLog deadLetters,
            InferenceMeters meters,
            TableWriteSpans spans,
            SagewatchConfig config) {
        this.writes = writes;
        this.table = table;
        this.deadLetters = deadLetters;
        this.meters = meters;
        this.spans = spans;
        this.config = config.store();
        meters.spoolGauges(queued::get, queuedBytes::get);
    }

    /** One record on its way. Identity semantics: the queue and the in-flight set must not hash whole items. */
    private static final class Entry {
        final InferenceRecord record;
        /** The item as DynamoDB JSON, serialized once. */
        final byte[] item;
        /** Its table key, see {@link InferenceTable#key}. */
        final String key;

        final long bytes;
        final long deadlineNanos;
        final boolean inProgress;
        /** Whoever sets it first settles the entry: its write, its failure, supersession, or the shutdown flush. */
        final AtomicBoolean settled = new AtomicBoolean();
        /** In-progress: written, or spooled after a failed attempt, or superseded. Final: written or dead-lettered. */
        final CompletableFuture<Void> done = new CompletableFuture<>();
        /** Settled: no write of it is under way or will be (a final record waits for its in-progress one's). */
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        /** Write it alone: its batch was refused as invalid. */
        volatile boolean single;
        /** In-progress only: its final record is in the spool, so a failed attempt is not retried. */
        volatile boolean superseded;
        /** Final only: its in-progress record's write, which must end before this one starts. */
        volatile CompletableFuture<Void> after;

        Entry(InferenceRecord record, byte[] item, long deadlineNanos, boolean inProgress) {
            this.record = record;
            this.item = item;
            this.key = InferenceTable.key(record.inferenceId(), record.requestId());
            this.bytes = item.length;
            this.deadlineNanos = deadlineNanos;
            this.inProgress = inProgress;
        }

        boolean waiting() {
            CompletableFuture<Void> first = after;
            return first != null && !first.isDone();
        }
    }

    /** In-progress records queued or under way, by request id: where a final record finds its predecessor. */
    private final Map<String, Entry> openRecords = new ConcurrentHashMap<>();

    /**
     * Queues an in-progress record. The stage completes when it is written, when a failed attempt left it spooled, or
     * when it was superseded or could not be queued: an answer waits for it, never for an outage.
     */
    public CompletionStage<Void> open(InferenceRecord record) {
        Entry entry = entry(record, Long.MAX_VALUE, true);
        if (!reserve(entry)) {
            entry.done.complete(null);
            return entry.done;
        }
        openRecords.put(record.requestId(), entry);
        queue.addLast(entry);
        pump();
        return entry.done;
    }

    /**
     * Queues a final record. {@code deadline}: how long it may stay unwritten before it is dead-lettered (null: as long
     * as it takes, within the spool's bound).
     */
    public CompletionStage<Void> submit(InferenceRecord record, Duration deadline) {
        Entry entry = entry(record, deadline == null ? Long.MAX_VALUE : System.nanoTime() + deadline.toNanos(), false);
        if (!reserve(entry)) {
            deadLetters.write(
                    table.name(),
                    record,
                    new IllegalStateException("the record spool is full (" + config.spoolMaxBytes()
                            + " bytes) while the table is failing: " + lastFailure));
            entry.done.complete(null);
            return entry.done;
        }
        Entry open = openRecords.remove(record.requestId());
        if (open != null) {
            open.superseded = true;
            if (queue.removeFirstOccurrence(open)) {
                // still queued: this record replaces it
                settle(open);
            } else {
                // under way (or between attempts): this one starts when that write ends
                entry.after = open.ended;
            }
        }
        queue.addLast(entry);
        pump();
        return entry.done;
    }

    private static Entry entry(InferenceRecord record, long deadlineNanos, boolean inProgress) {
        return new Entry(record, InferenceRecordItem.toJson(record), deadlineNanos, inProgress);
    }

    /** Counts the entry against the spool's bound, or says it does not fit. */
    private boolean reserve(Entry entry) {
        if (queuedBytes.addAndGet(entry.bytes) > config.spoolMaxBytes()) {
            queuedBytes.addAndGet(-entry.bytes);
            return false;
        }
        queued.incrementAndGet();
        return true;
    }

    /** True while the table is failing: the spool is holding records, and other writes should not wait on it. */
    public boolean tableFailing() {
        return failures.get() > 0;
    }

    public int queued() {
        return queued.get();
    }

    public long queuedBytes() {
        return queuedBytes.get();
    }

    /** Why the last write failed (for readiness), or null. */
    public String lastFailure() {
        return lastFailure;
    }

    /**
     * Starts calls while there are records and free call slots (and no backoff is running). In-progress records go in
     * the urgent lane, first, with final records filling their batch; final records alone go in the other.
     */
    private void pump() {
        while (!queue.isEmpty() && System.nanoTime() >= retryAtNanos) {
            boolean urgent = urgentCallsInFlight.get() < config.maxConcurrentWrites() && hasQueuedInProgress();
            AtomicInteger lane = urgent ? urgentCallsInFlight : callsInFlight;
            int calls = lane.get();
            if (calls >= config.maxConcurrentWrites()) {
                return;
            }
            if (!lane.compareAndSet(calls, calls + 1)) {
                continue;
            }
            List<Entry> batch = take(urgent);
            if (batch.isEmpty()) {
                lane.decrementAndGet();
                return;
            }
            write(batch, lane);
        }
    }

    private boolean hasQueuedInProgress() {
        for (Entry entry : queue) {
            if (entry.inProgress && !entry.settled.get() && !entry.single) {
                return true;
            }
        }
        return false;
    }

    /**
     * Up to 25 records: with {@code urgent}, the queued in-progress records first, then the oldest others; a record that
     * must go alone goes alone. A final record whose in-progress write is still under way stays queued, in its place.
     */
    private List<Entry> take(boolean urgent) {
        List<Entry> batch = new ArrayList<>();
        if (urgent) {
            for (var it = queue.iterator(); it.hasNext() && batch.size() < MAX_BATCH; ) {
                Entry entry = it.next();
                if (entry.inProgress && !entry.single && !entry.settled.get() && queue.removeFirstOccurrence(entry)) {
                    batch.add(entry);
                }
            }
        }
        List<Entry> waiting = new ArrayList<>();
        Entry next;
        while (batch.size() < MAX_BATCH && waiting.size() < MAX_BATCH && (next = queue.pollFirst()) != null) {
            if (next.settled.get()) {
                continue;
            }
            if (next.waiting()) {
                waiting.add(next);
                continue;
            }
            if (next.single && !batch.isEmpty()) {
                queue.addFirst(next);
                break;
            }
            batch.add(next);
            if (next.single) {
                break;
            }
        }
        for (int i = waiting.size() - 1; i >= 0; i--) {
            queue.addFirst(waiting.get(i));
        }
        return batch;
    }

    private void write(List<Entry> batch, AtomicInteger lane) {
        inFlight.addAll(batch);
        TableWriteSpans.Write traced = spans.write(table.name(), "BatchWriteItem", batch.size());
        if (traced.linking()) {
            for (Entry entry : batch) {
                traced.carries(entry.record.get("trace_id"), entry.record.get("span_id"));
            }
        }
        traced.begin();
        long start = System.nanoTime();
        CompletableFuture<Set<String>> call;
        try {
            call = writes.write(table.name(), batch.stream().map(e -> e.item).toList(), config.writeTimeout());
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((unprocessed, failure) -> {
            traced.end(unprocessed == null ? 0 : unprocessed.size(), Futures.unwrap(failure));
            batch.forEach(inFlight::remove);
            // a shutdown flush may have dead-lettered some meanwhile: those are done, whatever this call did
            List<Entry> live =
                    batch.stream().filter(entry -> !entry.settled.get()).toList();
            try {
                if (failure == null) {
                    written(live, unprocessed, System.nanoTime() - start);
                } else {
                    failed(live, failure, System.nanoTime() - start);
                }
            } finally {
                lane.decrementAndGet();
                pump();
            }
        });
    }

    private void written(List<Entry> batch, Set<String> unprocessed, long nanos) {
        List<Entry> retry = new ArrayList<>();
        for (Entry entry : batch) {
            boolean notWritten = unprocessed.contains(entry.key);
            meters.recordWrite(entry.record.endpoint(), nanos, !notWritten);
            if (notWritten) {
                retry.add(entry);
            } else {
                settle(entry);
            }
        }
        if (retry.isEmpty()) {
            recovered();
        } else {
            // DynamoDB could not take them now (throttled partition, say): back off as if the call had failed
            requeue(retry, "BatchWriteItem left " + retry.size() + " items unprocessed");
        }
    }

    private void failed(List<Entry> batch, Throwable failure, long nanos) {
        Throwable cause = Futures.unwrap(failure);
        batch.forEach(entry -> meters.recordWrite(entry.record.endpoint(), nanos, false));
        if (batch.isEmpty()) {
            return;
        }
        if (isTransient(cause)) {
            requeue(batch, cause.toString());
        } else if (batch.size() > 1) {
            // one bad item refuses the whole batch: find it by writing each alone
            for (int i = batch.size() - 1; i >= 0; i--) {
                batch.get(i).single = true;
                queue.addFirst(batch.get(i));
            }
        } else {
            batch.forEach(entry -> deadLetter(entry, cause));
        }
    }

    /** Puts a batch back at the head (order kept) and starts the backoff; entries past their deadline go to the log. */
    private void requeue(List<Entry> batch, String reason) {
        lastFailure = reason;
        int failed = failures.incrementAndGet();
        if (failed == 1) {
            LOG.warnf("The record table is failing (%s); records are held in the spool and retried", reason);
        }
        long now = System.nanoTime();
        for (int i = batch.size() - 1; i >= 0; i--) {
            Entry entry = batch.get(i);
            if (entry.inProgress) {
                if (entry.superseded) {
                    // its final record is queued and carries everything: no need to write this one
                    settle(entry);
                    continue;
                }
                // spooled: the answer it holds back may go
                entry.done.complete(null);
            }
            if (entry.deadlineNanos <= now) {
                deadLetter(entry, new IllegalStateException("not written within its deadline: " + reason));
            } else {
                queue.addFirst(entry);
            }
        }
        Duration backoff = backoff(failed);
        retryAtNanos = now + backoff.toNanos();
        Infrastructure.getDefaultWorkerPool().schedule(this::pump, backoff.toMillis(), TimeUnit.MILLISECONDS);
        expireQueued(now);
    }

    /** Entries with a deadline must not wait behind a long backoff. */
    private void expireQueued(long now) {
        for (Entry entry : queue) {
            if (entry.deadlineNanos <= now + backoff(failures.get()).toNanos() && queue.removeFirstOccurrence(entry)) {
                deadLetter(entry, new IllegalStateException("not written within its deadline: " + lastFailure));
            }
        }
    }

    private void recovered() {
        if (failures.getAndSet(0) > 0) {
            retryAtNanos = 0;
            LOG.infof("The record table answers again; %d records still queued", queued.get());
        }
    }

    private Duration backoff(int failed) {
        long base = config.writeBackoff().toMillis() << Math.min(failed - 1, 16);
        long capped = Math.min(base, MAX_BACKOFF.toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    /** Whoever claims an entry first settles it: its write, its failure, or the shutdown flush. */
    private boolean claim(Entry entry) {
        if (!entry.settled.compareAndSet(false, true)) {
            return false;
        }
        queued.decrementAndGet();
        queuedBytes.addAndGet(-entry.bytes);
        if (entry.inProgress) {
            openRecords.remove(entry.record.requestId(), entry);
        }
        entry.ended.complete(null);
        return true;
    }

    private void settle(Entry entry) {
        if (claim(entry)) {
            entry.done.complete(null);
        }
    }

    /** In-progress records are not dead-lettered: their final record, written or dead-lettered, says it all. */
    private void deadLetter(Entry entry, Throwable reason) {
        if (entry.inProgress) {
            LOG.debugf("In-progress record %s not written: %s", entry.record.requestId(), reason);
            settle(entry);
        } else if (claim(entry)) {
            deadLetters.write(table.name(), entry.record, reason);
            entry.done.complete(null);
        }
    }

    /**
     * Shutdown: keeps writing for up to {@code patience} (blocking: shutdown only), then dead-letters what is left.
     * Returns how many were dead-lettered.
     */
    public int flush(Duration patience) {
        long until = System.nanoTime() + patience.toNanos();
        retryAtNanos = 0;
        pump();
        while ((queued.get() > 0) && System.nanoTime() < until) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (System.nanoTime() >= retryAtNanos) {
                pump();
            }
        }
        // what is still queued or under way goes to the log; a write that lands later leaves it in both, never neither
        List<Entry> left = new ArrayList<>(inFlight);
        Entry entry;
        while ((entry = queue.pollFirst()) != null) {
            left.add(entry);
        }
        int deadLettered = 0;
        for (Entry unwritten : left) {
            if (!unwritten.settled.get()) {
                deadLettered += unwritten.inProgress ? 0 : 1;
                deadLetter(unwritten, new IllegalStateException("shutting down before the record was written"));
            }
        }
        return deadLettered;
    }

    static boolean isTransient(Throwable cause) {
        return !(cause instanceof BatchWriteCall.Failure failure) || failure.isTransient();
    }
}
