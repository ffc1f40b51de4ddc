package io.sagewatch.sagemaker;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.quarkus.runtime.Startup;
import io.sagewatch.config.SagewatchConfig;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClientBuilder;

/** Builds the SageMaker runtime client at runtime (never at build time: native images must not hold it). */
@ApplicationScoped
public class SageMakerClientProducer {

    /** Built at startup, not lazily on an event loop during the first request (class loading, region lookup). */
    @Produces
    @ApplicationScoped
    @Startup
    SageMakerRuntimeAsyncClient client(SagewatchConfig config) {
        SagewatchConfig.SageMaker sm = config.sagemaker();
        SageMakerRuntimeAsyncClientBuilder builder = SageMakerRuntimeAsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .maxConcurrency(sm.maxConnections())
                        .connectionTimeout(Duration.ofSeconds(5))
                        .readTimeout(sm.timeout().plusSeconds(5)))
                // The pipeline owns retries: only throttles are retried, and never past the deadline.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(sm.timeout().plusSeconds(5)));
        sm.endpointOverride().ifPresent(builder::endpointOverride);
        sm.region().map(Region::of).ifPresent(builder::region);
        if (sm.accessKeyId().isPresent() && sm.secretAccessKey().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(sm.accessKeyId().get(), sm.secretAccessKey().get())));
        } else {
            // Refreshed in the background: a refresh must never block the event loop that asks for credentials.
            builder.credentialsProvider(DefaultCredentialsProvider.builder().asyncCredentialUpdateEnabled(true).build());
        }
        return builder.build();
    }

    void close(@Disposes SageMakerRuntimeAsyncClient client) {
        client.close();
    }
}
