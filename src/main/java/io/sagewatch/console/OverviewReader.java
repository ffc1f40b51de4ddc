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
 * Builds the overview from rollups alone (never the records): one query per endpoint and per model name with rollups,
 * and one for the charts, all at once, at the range's level.
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
        return series().thenApply(names ->
                names.stream().filter(name -> RollupStore.modelOf(name) == null).toList());
    }

    /** The endpoints, and the model names (of the OpenAI front) with rollups, as series names, sorted. */
    private CompletionStage<List<String>> series() {
        return store.endpoints().thenApply(stored -> {
            TreeSet<String> all = new TreeSet<>(configured);
            all.addAll(stored);
            return List.copyOf(all);
        });
    }

    public CompletionStage<Overview> read(ConsoleRange range, String chosen, Instant now) {
        Instant from = range.from(now);
        Instant until = range.until(now);
        return series().thenCompose(names -> {
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
                        Map<String, List<EndpointFigures>> models = new TreeMap<>();
                        Map<String, Rollup> endpoints = new TreeMap<>();
                        reads.forEach((name, read) -> {
                            Rollup merged = new Rollup();
                            read.join().values().forEach(merged::merge);
                            String model = RollupStore.modelOf(name);
                            if (model == null) {
                                endpoints.put(name, merged);
                            } else if (merged.invocations() > 0) {
                                models.computeIfAbsent(RollupStore.endpointOf(name), e -> new ArrayList<>())
                                        .add(new EndpointFigures(model, merged, List.of()));
                            }
                        });
                        List<EndpointFigures> figures = new ArrayList<>();
                        Rollup total = new Rollup();
                        endpoints.forEach((name, merged) -> {
                            total.merge(merged);
                            List<EndpointFigures> shares = models.getOrDefault(name, new ArrayList<>());
                            shares.sort(Comparator.comparing((EndpointFigures f) -> -f.invocations())
                                    .thenComparing(EndpointFigures::endpoint));
                            figures.add(new EndpointFigures(name, merged, shares));
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
                                new EndpointFigures("all endpoints", total, List.of()),
                                series.join());
                    });
        });
    }
}
