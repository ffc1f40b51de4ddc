package io.sagewatch.aws;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.regions.Region;

/**
 * SigV4 for one AWS service, with the AWS SDK's own signer and credentials from the SDK's providers: what the gateway
 * needs of the SDK to call AWS over its own HTTP client. Credentials come from a cache the providers refresh in the
 * background, so signing does not wait.
 */
public final class RequestSigner {

    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final IdentityProvider<? extends AwsCredentialsIdentity> credentials;
    private final String region;
    private final String service;

    public RequestSigner(
            IdentityProvider<? extends AwsCredentialsIdentity> credentials, String region, String service) {
        this.credentials = credentials;
        this.region = region;
        this.service = service;
    }

    /** The request with its signature headers (Authorization, X-Amz-Date, X-Amz-Security-Token when a session). */
    public CompletableFuture<SdkHttpRequest> sign(SdkHttpRequest request, byte[] body) {
        return credentials
                .resolveIdentity()
                .thenApply(identity -> signer.sign(s -> s.identity(identity)
                                .request(request)
                                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                                .putProperty(AwsV4HttpSigner.REGION_NAME, region))
                        .request());
    }

    /** {@code https://PREFIX.REGION.DNS-SUFFIX}, the suffix from the region's partition (amazonaws.com.cn in China). */
    public static URI endpoint(String prefix, String region) {
        var metadata = Region.of(region).metadata();
        String dnsSuffix = metadata != null ? metadata.partition().dnsSuffix() : "amazonaws.com";
        return URI.create("https://" + prefix + "." + region + "." + dnsSuffix);
    }
}
