package io.sagewatch.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.util.NamedThreadFactory;
import io.sagewatch.config.SagewatchConfig;

/**
 * The EMF sink, produced at runtime as a CDI bean (Quarkus adds it to its composite registry). It publishes only
 * Sagewatch's own meters (CloudWatch bills every metric); when disabled it stays registered but denies every meter. Lines go to the {@value #CATEGORY} log category, written raw
 * on stdout (application.properties), where CloudWatch Logs turns them into metrics.
 */
@ApplicationScoped
public class EmfRegistryProducer {

    public static final String CATEGORY = "sagewatch.emf";
    private static final Logger LINES = Logger.getLogger(CATEGORY);

    @Produces
    @Singleton
    EmfMeterRegistry emf(SagewatchConfig config) {
        SagewatchConfig.Emf emf = config.metrics().emf();
        EmfMeterRegistry registry =
                new EmfMeterRegistry(emf.namespace(), emf.step(), emf.maxValuesPerStep(), Clock.SYSTEM, LINES::info);
        registry.config().meterFilter(emf.enabled() ? InferenceMeters.onlySagewatchMeters() : MeterFilter.deny());
        if (emf.enabled() && !emf.flushPerInference()) {
            registry.start(new NamedThreadFactory("sagewatch-emf"));
        }
        return registry;
    }

    /** Stopping writes what was recorded since the last step. */
    void close(@Disposes EmfMeterRegistry registry) {
        registry.close();
    }
}
