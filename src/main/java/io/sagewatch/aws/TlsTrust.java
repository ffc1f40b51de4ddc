package io.sagewatch.aws;

import java.util.Locale;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;

import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.KeyStoreOptions;

/**
 * What the HTTPS calls Sagewatch signs itself trust, from configuration: a private CA in front of a VPC endpoint, a
 * TLS-inspecting proxy, or a local test server. Nothing configured: the JVM's default trust store.
 */
public final class TlsTrust {

    private static final String DYNAMODB_TRUST = "quarkus.dynamodb.async-client.tls-trust-managers-provider.";

    private TlsTrust() {}

    /**
     * The trust of a Quarkus TLS configuration: the named one ({@code quarkus.tls.NAME.trust-store.*}), else the
     * default one ({@code quarkus.tls.trust-store.*}), as Quarkus' own clients choose.
     */
    public static HttpClientOptions fromTlsRegistry(
            HttpClientOptions options, TlsConfigurationRegistry registry, Optional<String> name) {
        // from() throws for an unknown name, and gives nothing (not the default) when unnamed
        Optional<TlsConfiguration> tls =
                name.isPresent() ? TlsConfiguration.from(registry, name) : registry.getDefault();
        tls.ifPresent(configuration -> {
            if (configuration.isTrustAll()) {
                options.setTrustAll(true);
            } else if (configuration.getTrustStoreOptions() != null) {
                options.setTrustOptions(configuration.getTrustStoreOptions());
            }
        });
        return options;
    }

    /**
     * What the Quarkus DynamoDB client trusts ({@code quarkus.dynamodb.async-client.tls-trust-managers-provider.*}),
     * so that the record writer, which signs its own calls, reaches the table the SDK client reaches.
     */
    public static HttpClientOptions likeTheDynamoDbClient(HttpClientOptions options, Config config) {
        // as the extension reads its enum: trust-all, TRUST_ALL and Trust-All alike
        String type = config.getOptionalValue(DYNAMODB_TRUST + "type", String.class)
                .orElse("system-property")
                .toLowerCase(Locale.ROOT)
                .replace('_', '-');
        switch (type) {
            case "trust-all" -> options.setTrustAll(true);
            case "file-store" -> {
                String path = config.getValue(DYNAMODB_TRUST + "file-store.path", String.class);
                String storeType = config.getOptionalValue(DYNAMODB_TRUST + "file-store.type", String.class)
                        .orElse("PKCS12");
                String password = config.getOptionalValue(DYNAMODB_TRUST + "file-store.password", String.class)
                        .orElse(null);
                options.setTrustOptions(
                        new KeyStoreOptions().setType(storeType).setPath(path).setPassword(password));
            }
            default -> {
                // system-property or none: the JVM's default trust (javax.net.ssl.trustStore when set)
            }
        }
        return options;
    }
}
