package io.sagewatch.rollups;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.core.InferenceOutcome;

/**
 * What settled since the last write, per series (endpoint, and model name of the OpenAI front) and minute (of settling,
 * as CloudWatch's meters count): the request path's whole share of the rollups, an add under a per-series lock that
 * only the writer's drain contends for.
 */
@ApplicationScoped
public class RollupCounter {

    private static final class Pending {
        long minute = Long.MIN_VALUE;
        Rollup current;
        /** Earlier minutes not yet drained (a minute turned between two drains). */
        Map<Long, Rollup> earlier;
    }

    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    /** Per endpoint, per model name: found without building the series' name on the request path. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Pending>> shares = new ConcurrentHashMap<>();

    public void add(InferenceOutcome outcome) {
        String endpoint = outcome.request().endpointName();
        long minute = Math.floorDiv(outcome.finishedAt().getEpochSecond(), 60);
        Pending counts = pending.get(endpoint);
        if (counts == null) {
            counts = pending.computeIfAbsent(endpoint, name -> new Pending());
        }
        add(counts, minute, outcome);
        String model = outcome.request().model();
        if (model != null) {
            ConcurrentHashMap<String, Pending> models = shares.get(endpoint);
            if (models == null) {
                models = shares.computeIfAbsent(endpoint, name -> new ConcurrentHashMap<>());
            }
            Pending share = models.get(model);
            if (share == null) {
                share = models.computeIfAbsent(model, name -> new Pending());
                // the drain reads every series from one map
                pending.putIfAbsent(RollupStore.series(endpoint, model), share);
            }
            add(share, minute, outcome);
        }
    }

    private static void add(Pending counts, long minute, InferenceOutcome outcome) {
        synchronized (counts) {
            if (counts.minute != minute) {
                if (counts.current != null) {
                    if (counts.earlier == null) {
                        counts.earlier = new HashMap<>();
                    }
                    counts.earlier.merge(counts.minute, counts.current, (a, b) -> {
                        a.merge(b);
                        return a;
                    });
                }
                Rollup again = counts.earlier == null ? null : counts.earlier.remove(minute);
                counts.current = again == null ? new Rollup() : again;
                counts.minute = minute;
            }
            counts.current.add(outcome);
        }
    }

    /** Takes what was counted so far: per series, per minute (epoch minutes). */
    public Map<String, Map<Long, Rollup>> drain() {
        Map<String, Map<Long, Rollup>> drained = new HashMap<>();
        for (Map.Entry<String, Pending> entry : pending.entrySet()) {
            Pending counts = entry.getValue();
            Map<Long, Rollup> minutes;
            synchronized (counts) {
                if (counts.current == null && counts.earlier == null) {
                    continue;
                }
                minutes = counts.earlier == null ? new HashMap<>() : counts.earlier;
                if (counts.current != null) {
                    minutes.put(counts.minute, counts.current);
                }
                counts.current = null;
                counts.earlier = null;
                counts.minute = Long.MIN_VALUE;
            }
            drained.put(entry.getKey(), minutes);
        }
        return drained;
    }
}
