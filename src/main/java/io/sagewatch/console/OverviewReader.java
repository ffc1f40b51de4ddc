package io.sagewatch.console;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.rollups.Rollup;
import io.sagewatch.rollups.RollupStore;

/**
 * Builds the overview from rollups alone (never the records): one query per endpoint, and one for the charts, all at
 * once, at the range's level.
 */
@ApplicationScoped
public class OverviewReader {

    private final RollupStore store;
    private final List<String> configured;

    OverviewReader(RollupStore store, SagewatchConfig config) {
        this.store = store;
        this.configured = new ArrayList<>(config.endpoints().allowed().orElse(java.util.Set.of()));
    }

    /** Every endpoint the console knows: those allowed now, and those with rollups from before. */
    public CompletionStage<List<String>> endpoints() {
        return store.endpoints().thenApply(stored -> {
            TreeSet<String> all = new TreeSet<>(configured);
            all.addAll(stored);
            return List.copyOf(all);
        });
    }

    public CompletionStage<Overview> read(ConsoleRange range, String chosen, Instant now) {
        Instant from = range.from(now);
        Instant until = range.until(now);
        return endpoints().thenCompose(names -> {
            Map<String, CompletableFuture<NavigableMap<Instant, Rollup>>> reads = new TreeMap<>();
            for (String name : names) {
                reads.put(
                        name, store.read(range.totalsLevel(), name, from, until).toCompletableFuture());
            }
            CompletableFuture<NavigableMap<Instant, Rollup>> series = store.read(
                            range.level(), chosen == null ? RollupStore.ALL : chosen, from, until)
                    .toCompletableFuture();
            List<CompletableFuture<?>> all = new ArrayList<>(reads.values());
            all.add(series);
            return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .thenApply(done -> {
                        List<EndpointFigures> figures = new ArrayList<>();
                        Rollup total = new Rollup();
                        reads.forEach((name, read) -> {
                            Rollup merged = new Rollup();
                            read.join().values().forEach(merged::merge);
                            total.merge(merged);
                            figures.add(new EndpointFigures(name, merged));
                        });
                        figures.sort(Comparator.comparing((EndpointFigures f) -> !f.attention())
                                .thenComparing(f -> -f.rollup().errorRate())
                                .thenComparing(f -> -f.invocations())
                                .thenComparing(EndpointFigures::endpoint));
                        return new Overview(
                                range,
                                from,
                                until,
                                chosen,
                                figures,
                                new EndpointFigures("all endpoints", total),
                                series.join());
                    });
        });
    }
}
