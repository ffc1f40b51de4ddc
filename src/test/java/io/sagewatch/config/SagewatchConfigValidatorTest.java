package io.sagewatch.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

class SagewatchConfigValidatorTest {

    private static SagewatchConfig config(Map<String, String> values) {
        return new SmallRyeConfigBuilder()
                .withMapping(SagewatchConfig.class)
                // Quarkus' own duration syntax ("100ms", "30d"), as the application reads it
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(values, "test", 500))
                .build()
                .getConfigMapping(SagewatchConfig.class);
    }

    @Test
    void theDefaultsAreValid() {
        assertThat(SagewatchConfigValidator.problems(config(Map.of()))).isEmpty();
    }

    @Test
    void settingsThatWouldFailOnTheRequestPathAreRefusedAtStartup() {
        var problems = SagewatchConfigValidator.problems(config(Map.of(
                "sagewatch.store.write-backoff", "0ms",
                "sagewatch.sagemaker.throttle-backoff", "0s",
                "sagewatch.store.write-retries", "-1",
                "sagewatch.capture.sample-percent", "101",
                "sagewatch.max-payload-bytes", "0")));
        assertThat(problems).hasSize(5)
                .anyMatch(p -> p.startsWith("sagewatch.store.write-backoff"))
                .anyMatch(p -> p.startsWith("sagewatch.sagemaker.throttle-backoff"))
                .anyMatch(p -> p.startsWith("sagewatch.store.write-retries"))
                .anyMatch(p -> p.startsWith("sagewatch.capture.sample-percent"))
                .anyMatch(p -> p.startsWith("sagewatch.max-payload-bytes"));
    }
}
