package io.sagewatch.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.tck.MeterRegistryCompatibilityKit;

/** Micrometer's own compatibility kit: our registry behaves as every Micrometer registry must. */
class EmfMeterRegistryCompatibilityTest extends MeterRegistryCompatibilityKit {

    @Override
    public MeterRegistry registry() {
        return new EmfMeterRegistry("Test", step(), 10_000, new MockClock(), line -> {});
    }

    @Override
    public Duration step() {
        return Duration.ofMinutes(1);
    }
}
