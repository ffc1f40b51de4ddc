package io.sagewatch.metrics;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.util.NamedThreadFactory;
import io.sagewatch.config.SagewatchConfig;

import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClientBuilder;

/**
 * The PutMetricData sink, produced at runtime (Quarkus adds it to its composite registry). Disabled, it denies every
 * meter and builds no client.
 */
@ApplicationScoped
public class CloudWatchRegistryProducer {

    @Produces
    @Singleton
    CloudWatchMeterRegistry cloudwatch(SagewatchConfig config) {
        SagewatchConfig.CloudWatch cw = config.metrics().cloudwatch();
        CloudWatchAsyncClient client = cw.enabled() ? client(cw) : null;
        CloudWatchMeterRegistry registry = new CloudWatchMeterRegistry(
                cw.namespace(),
                cw.step(),
                cw.maxValuesPerStep(),
                cw.maxPendingCalls(),
                Duration.ofSeconds(10),
                Clock.SYSTEM,
                client);
        if (cw.enabled()) {
            registry.config().meterFilter(InferenceMeters.onlySagewatchMeters());
            registry.start(new NamedThreadFactory("sagewatch-cloudwatch"));
        } else {
            registry.config().meterFilter(MeterFilter.deny());
        }
        return registry;
    }

    private static CloudWatchAsyncClient client(SagewatchConfig.CloudWatch cw) {
        CloudWatchAsyncClientBuilder builder = CloudWatchAsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(4))
                .credentialsProvider(DefaultCredentialsProvider.builder()
                        .asyncCredentialUpdateEnabled(true)
                        .build());
        cw.endpointOverride().ifPresent(builder::endpointOverride);
        cw.region().map(Region::of).ifPresent(builder::region);
        return builder.build();
    }

    /** Closing publishes what the last step recorded, then releases the client. */
    void close(@Disposes CloudWatchMeterRegistry registry) {
        registry.close();
        registry.client().ifPresent(CloudWatchAsyncClient::close);
    }
}
