package io.sagewatch.monitor.quality;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import jakarta.inject.Singleton;

import io.sagewatch.config.SagewatchConfig;

/** The endpoints whose model quality is measured (a problem type set), and how. */
@Singleton
public class EndpointQualities {

    private final Map<String, QualitySettings> measured = new HashMap<>();

    EndpointQualities(SagewatchConfig config) {
        config.endpoint().forEach((name, settings) -> {
            if (settings.monitor().quality().problemType().isPresent()) {
                measured.put(name, QualitySettings.of(name, settings.monitor()));
            }
        });
    }

    /** The endpoint's settings, or null when its model quality is not measured. */
    public QualitySettings settings(String endpoint) {
        return measured.get(endpoint);
    }

    public Collection<QualitySettings> all() {
        return measured.values();
    }

    public boolean any() {
        return !measured.isEmpty();
    }
}
