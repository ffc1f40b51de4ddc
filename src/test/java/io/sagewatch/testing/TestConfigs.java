package io.sagewatch.testing;

import java.time.Duration;
import java.util.Map;

import io.quarkus.runtime.configuration.DurationConverter;
import io.sagewatch.config.SagewatchConfig;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** A {@link SagewatchConfig} from a few properties, read the way the application reads them, for plain unit tests. */
public final class TestConfigs {

    private TestConfigs() {
    }

    public static SagewatchConfig sagewatch(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withMapping(SagewatchConfig.class)
                // Quarkus' own duration syntax ("100ms", "30d")
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build()
                .getConfigMapping(SagewatchConfig.class);
    }
}
