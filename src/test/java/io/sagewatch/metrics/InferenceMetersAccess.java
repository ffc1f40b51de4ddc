package io.sagewatch.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagewatch.config.SagewatchConfig;

/** Lets the benchmark build {@link InferenceMeters} outside CDI (its constructor is package-private). */
public final class InferenceMetersAccess {

    private InferenceMetersAccess() {}

    public static InferenceMeters create(MeterRegistry registry, EmfMeterRegistry emf, SagewatchConfig config) {
        return new InferenceMeters(registry, emf, config);
    }
}
