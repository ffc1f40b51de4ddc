package io.sagewatch.aws;

import java.net.URI;

/** Where a signed call goes: the endpoint URL, and what the HTTP client and the Host header take from it. */
public record ServiceEndpoint(URI uri) {

    public ServiceEndpoint {
        if (!uri.isAbsolute() || uri.getHost() == null) {
            throw new IllegalArgumentException("an endpoint must be an absolute URL with a scheme and a host, e.g."
                    + " http://localhost:8000: " + uri);
        }
    }

    /** AWS's own endpoint of a service in a region, e.g. {@code https://dynamodb.eu-west-1.amazonaws.com}. */
    public static ServiceEndpoint aws(String prefix, String region) {
        return new ServiceEndpoint(RequestSigner.endpoint(prefix, region));
    }

    public boolean tls() {
        return "https".equalsIgnoreCase(uri.getScheme());
    }

    public String host() {
        return uri.getHost();
    }

    public int port() {
        return uri.getPort() > 0 ? uri.getPort() : tls() ? 443 : 80;
    }

    /** The Host header: the host, and the port only when the URL names one (as the signer saw it). */
    public String authority() {
        return uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
    }
}
