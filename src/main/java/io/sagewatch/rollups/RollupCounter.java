package io.sagewatch.rollups;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.core.InferenceOutcome;

/**
 * What settled since the last write, per endpoint and minute (of settling, as CloudWatch's meters count): the request
 * path's whole share of the rollups, an add under a per-endpoint lock that only the writer's drain contends for.
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

    public void add(InferenceOutcome outcome) {
        String endpoint = outcome.request().endpointName();
        Pending counts = pending.get(endpoint);
        if (counts == null) {
            counts = pending.computeIfAbsent(endpoint, name -> new Pending());
        }
        long minute = Math.floorDiv(outcome.finishedAt().getEpochSecond(), 60);
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

    /** Takes what was counted so far: per endpoint, per minute (epoch minutes). */
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
