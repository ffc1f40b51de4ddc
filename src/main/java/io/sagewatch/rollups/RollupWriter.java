package io.sagewatch.rollups;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.Futures;

/**
 * This replica's rollups, cumulative per span, written when they changed: every flush interval on a thread of its own,
 * or (Lambda) at the end of each inference. Each write replaces this replica's items, so that a write retried after
 * a failure counts nothing twice; a span is forgotten once it is written and can no longer change.
 */
@ApplicationScoped
public class RollupWriter {

    private static final Logger LOG = Logger.getLogger(RollupWriter.class);
    private static final Duration SHUTDOWN_PATIENCE = Duration.ofSeconds(5);

    private record Key(RollupLevel level, String endpoint, Instant start) {}

    private static final class Span {
        final Rollup rollup = new Rollup();
        long version;
        long written;
    }

    private final RollupCounter counter;
    private final RollupStore store;
    private final SagewatchConfig.Rollups config;
    private final String replica = UUID.randomUUID().toString();
    private final Map<Key, Span> spans = new HashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    /**
     * The last write: the next starts after it, so that an older state of an item never lands after a newer one (a
     * flush is synchronized up to starting its write).
     */
    private CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);

    private volatile boolean running;
    private Thread thread;

    RollupWriter(RollupCounter counter, RollupStore store, SagewatchConfig config) {
        this.counter = counter;
        this.store = store;
        this.config = config.console().rollups();
    }

    void start(@Observes StartupEvent event) {
        if (!config.enabled() || config.writeEachInference()) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "sagewatch-rollups");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops, after writing what was counted. */
    void stop(@Observes ShutdownEvent event) {
        if (thread == null) {
            return;
        }
        running = false;
        thread.interrupt();
        try {
            thread.join(SHUTDOWN_PATIENCE.toMillis());
            Futures.await(flush(), SHUTDOWN_PATIENCE, "the table");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warnf("The last rollups were not written at shutdown: %s", e.getMessage());
        }
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(config.flushInterval().toMillis());
            } catch (InterruptedException e) {
                return;
            }
            try {
                Futures.await(flush(), config.flushInterval().plusSeconds(10), "the table");
            } catch (RuntimeException e) {
                LOG.warnf(
                        "Could not write the rollups (kept, written again in %s): %s",
                        config.flushInterval(), e.getMessage());
            }
        }
    }

    /**
     * Folds what was counted into this replica's spans and writes those that changed; never blocks (the Lambda path
     * calls it on an event loop), and completes normally or with the table's failure.
     */
    public synchronized CompletionStage<Void> flush() {
        Map<String, Map<Long, Rollup>> counted = counter.drain();
        List<RollupStore.Item> items = new ArrayList<>();
        Map<Key, Long> versions = new HashMap<>();
        List<String> newEndpoints = new ArrayList<>();
        Instant now = Instant.now();
        synchronized (spans) {
            for (Map.Entry<String, Map<Long, Rollup>> endpoint : counted.entrySet()) {
                if (registered.add(endpoint.getKey())) {
                    newEndpoints.add(endpoint.getKey());
                }
                // a model's share is also in its endpoint's series: every endpoint's total counts it once
                boolean share = RollupStore.modelOf(endpoint.getKey()) != null;
                for (Map.Entry<Long, Rollup> minute : endpoint.getValue().entrySet()) {
                    Instant at = Instant.ofEpochSecond(minute.getKey() * 60);
                    for (RollupLevel level : RollupLevel.values()) {
                        fold(new Key(level, endpoint.getKey(), level.start(at)), minute.getValue());
                        if (!share) {
                            fold(new Key(level, RollupStore.ALL, level.start(at)), minute.getValue());
                        }
                    }
                }
            }
            for (Iterator<Map.Entry<Key, Span>> all = spans.entrySet().iterator(); all.hasNext(); ) {
                Map.Entry<Key, Span> entry = all.next();
                Key key = entry.getKey();
                Span span = entry.getValue();
                if (key.start()
                        .plus(key.level().length())
                        .plus(key.level().retention(config))
                        .isBefore(now)) {
                    all.remove(); // past its retention (the table was away that long): it would expire anyway
                } else if (span.version != span.written) {
                    Instant end = key.start().plus(key.level().length());
                    long expiresAt = end.plus(key.level().retention(config)).getEpochSecond();
                    items.add(new RollupStore.Item(
                            key.level(), key.endpoint(), key.start(), replica, span.rollup.toBytes(), expiresAt));
                    versions.put(key, span.version);
                } else if (key.start()
                        .plus(key.level().length())
                        .plus(config.flushInterval().multipliedBy(3))
                        .isBefore(now)) {
                    all.remove(); // written, and nothing can settle in it any more
                }
            }
        }
        if (items.isEmpty() && newEndpoints.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> registering = lastWrite.handle((ignored, failure) -> null);
        for (String endpoint : newEndpoints) {
            registering = registering.thenCompose(
                    ignored -> store.registerEndpoint(endpoint).toCompletableFuture());
        }
        CompletableFuture<Void> write = registering
                .whenComplete((ignored, failure) -> {
                    if (failure != null) {
                        registered.removeAll(newEndpoints); // registered again next time
                    }
                })
                .thenCompose(ignored -> store.write(items))
                .thenRun(() -> {
                    synchronized (spans) {
                        versions.forEach((key, version) -> {
                            Span span = spans.get(key);
                            if (span != null && span.written < version) {
                                span.written = version;
                            }
                        });
                    }
                });
        lastWrite = write;
        return write;
    }

    private void fold(Key key, Rollup counted) {
        Span span = spans.computeIfAbsent(key, k -> new Span());
        span.rollup.merge(counted);
        span.version++;
    }
}
