package io.sagewatch.metrics;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.config.MeterFilter;

/** Filters on the meters Quarkus' own binders register (Sagewatch's are in {@link InferenceMeters}). */
public class FrameworkMeterFilters {

    /**
     * The Netty binder registers an untagged "netty.eventexecutor.workers" gauge once per event executor group
     * (Vert.x's and the SDK clients'), and Micrometer warns at every start that the second one is ignored. The
     * per-executor gauges (pending tasks) stay.
     */
    @Produces
    @Singleton
    MeterFilter nettyWorkersOnce() {
        return MeterFilter.deny(id -> "netty.eventexecutor.workers".equals(id.getName())
                && id.getTags().isEmpty());
    }
}
