package io.sagewatch.table;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sagewatch.testing.TestConfigs;

import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The table's address is read from quarkus.dynamodb.* as the extension reads it, without building its client. */
class TableClientTest {

    private static TableClient.Address address(Map<String, String> properties) {
        return TableClient.address(TestConfigs.dynamoDb(properties));
    }

    @Test
    void anEndpointOverrideWithStaticCredentials() {
        var table = address(Map.of(
                "quarkus.dynamodb.endpoint-override", "http://127.0.0.1:8000",
                "quarkus.dynamodb.aws.region", "eu-west-1",
                "quarkus.dynamodb.aws.credentials.type", "static",
                "quarkus.dynamodb.aws.credentials.static-provider.access-key-id", "AKIDEXAMPLE",
                "quarkus.dynamodb.aws.credentials.static-provider.secret-access-key", "secret"));
        assertThat(table.endpoint().uri()).isEqualTo(URI.create("http://127.0.0.1:8000"));
        assertThat(table.endpoint().tls()).isFalse();
        assertThat(table.endpoint().port()).isEqualTo(8000);
        assertThat(table.region()).isEqualTo("eu-west-1");
        AwsCredentialsIdentity identity = table.credentials().resolveIdentity().join();
        assertThat(identity.accessKeyId()).isEqualTo("AKIDEXAMPLE");
        assertThat(identity.secretAccessKey()).isEqualTo("secret");
    }

    @Test
    void withoutAnOverrideTheRegionsAwsEndpointInHttps() {
        var table = address(Map.of("quarkus.dynamodb.aws.region", "ap-southeast-2"));
        assertThat(table.endpoint().uri()).isEqualTo(URI.create("https://dynamodb.ap-southeast-2.amazonaws.com"));
        assertThat(table.endpoint().tls()).isTrue();
        assertThat(table.endpoint().port()).isEqualTo(443);
    }

    @Test
    void anOverrideWithoutSchemeOrHostIsRefusedAtStartup() {
        assertThatThrownBy(() -> address(Map.of(
                        "quarkus.dynamodb.endpoint-override",
                        "localhost:8000",
                        "quarkus.dynamodb.aws.region",
                        "us-east-1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("localhost:8000");
    }

    @Test
    void withoutCredentialsConfiguredTheSdksDefaultChain() {
        var table = address(Map.of("quarkus.dynamodb.aws.region", "us-east-1"));
        assertThat(table.credentials()).isInstanceOf(DefaultCredentialsProvider.class);
    }
}
