package io.sagewatch.monitor;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;

/** The endpoints whose model health is monitored, and how. */
@ApplicationScoped
public class EndpointMonitors {

    private final Map<String, MonitorSettings> monitored = new HashMap<>();

    EndpointMonitors(SagewatchConfig config) {
        config.endpoint().forEach((name, settings) -> {
            if (settings.monitor().enabled()) {
                monitored.put(name, MonitorSettings.of(name, settings.monitor()));
            }
        });
    }

    /** The endpoint's settings, or null when it is not monitored. */
    public MonitorSettings settings(String endpoint) {
        return monitored.get(endpoint);
    }

    public Collection<MonitorSettings> all() {
        return monitored.values();
    }

    public boolean any() {
        return !monitored.isEmpty();
    }
}
