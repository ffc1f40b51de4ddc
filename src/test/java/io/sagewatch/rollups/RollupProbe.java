package io.sagewatch.rollups;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceObserver;

/** The rollups' request path outside a container, for the benchmarks: the observer and a drain standing in for the writer. */
public record RollupProbe(InferenceObserver observer, RollupCounter counter) {

    public static RollupProbe of(SagewatchConfig config) {
        RollupCounter counter = new RollupCounter();
        // no table: the writer is never asked to write (write-each-inference is off)
        RollupWriter writer = new RollupWriter(counter, null, config);
        return new RollupProbe(new RollupObserver(counter, writer, config), counter);
    }

    public int drain() {
        return counter.drain().size();
    }
}
