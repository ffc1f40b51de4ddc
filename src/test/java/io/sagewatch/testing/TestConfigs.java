package io.sagewatch.testing;

import java.time.Duration;
import java.util.Map;

import io.quarkiverse.amazon.common.runtime.RegionConverter;
import io.quarkiverse.amazon.dynamodb.runtime.DynamoDbConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.sagewatch.config.SagewatchConfig;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

import software.amazon.awssdk.regions.Region;

/** A {@link SagewatchConfig} from a few properties, read the way the application reads them, for plain unit tests. */
public final class TestConfigs {

    private TestConfigs() {}

    public static SagewatchConfig sagewatch(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withMapping(SagewatchConfig.class)
                // Quarkus' own duration syntax ("100ms", "30d")
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build()
                .getConfigMapping(SagewatchConfig.class);
    }

    /** The Quarkus DynamoDB extension's configuration ({@code quarkus.dynamodb.*}) from a few properties. */
    public static DynamoDbConfig dynamoDb(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withMapping(DynamoDbConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(Region.class, 200, new RegionConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build()
                .getConfigMapping(DynamoDbConfig.class);
    }
}
