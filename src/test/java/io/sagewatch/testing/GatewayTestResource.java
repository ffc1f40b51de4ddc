package io.sagewatch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sagewatch.dev.EmbeddedDynamoDb;

/**
 * The real parts the gateway talks to, on free loopback ports: DynamoDB Local (in-process) behind a {@link TableGate},
 * and a {@link SageMakerFake}. Stopped with the application.
 */
public class GatewayTestResource implements QuarkusTestResourceLifecycleManager {

    /** Config key under which tests find DynamoDB Local itself, bypassing the gate. */
    public static final String DYNAMODB_DIRECT = "sagewatch-test.dynamodb-direct";
    /** Prefix of the system properties that publish the settings to tests whose gateway is another process. */
    static final String PUBLISHED = "sagewatch-test.published.";

    /**
     * Init arg: serve the table gate and the SageMaker fake over HTTPS and configure the gateway to trust them, the
     * SageMaker calls through a named TLS configuration ({@code named}) or the default one ({@code default}).
     */
    public static final String TLS = "tls";
    /** The Quarkus TLS configuration the gateway's SageMaker calls use when {@link #TLS} is on. */
    public static final String TLS_CONFIGURATION = "localca";

    private String tls;
    private EmbeddedDynamoDb dynamo;
    private TableGate gate;
    private SageMakerFake sagemaker;

    @Override
    public void init(Map<String, String> initArgs) {
        tls = initArgs.get(TLS);
    }

    @Override
    public Map<String, String> start() {
        SelfSignedCertificate certificate = null;
        try {
            certificate = tls != null ? SelfSignedCertificate.create() : null;
            dynamo = EmbeddedDynamoDb.start(FreePort.next());
            gate = new TableGate(dynamo.port(), certificate);
            sagemaker = new SageMakerFake(certificate);
        } catch (IOException | RuntimeException e) {
            stop(); // what did start must not outlive a failed start
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new IllegalStateException(e);
        }
        Map<String, String> settings = new HashMap<>(Map.of(
                "quarkus.dynamodb.endpoint-override",
                gate.url(),
                "sagewatch.sagemaker.endpoint-override",
                sagemaker.url(),
                DYNAMODB_DIRECT,
                "http://127.0.0.1:" + dynamo.port()));
        if (Artifact.isNative()) {
            settings.putAll(CapturedLog.jsonLinesCopy());
        }
        if (certificate != null) {
            // the SDK's DynamoDB client, and through it the record writer, trust the test's certificate
            String sdkTrust = "quarkus.dynamodb.async-client.tls-trust-managers-provider.";
            settings.put(sdkTrust + "type", "file-store");
            settings.put(sdkTrust + "file-store.path", certificate.trustStore().toString());
            settings.put(sdkTrust + "file-store.type", "PKCS12");
            settings.put(sdkTrust + "file-store.password", SelfSignedCertificate.PASSWORD);
            // the SageMaker calls, through a named Quarkus TLS configuration or the default one
            if ("default".equals(tls)) {
                settings.put(
                        "quarkus.tls.trust-store.pem.certs", certificate.pem().toString());
            } else {
                settings.put(
                        "quarkus.tls." + TLS_CONFIGURATION + ".trust-store.pem.certs",
                        certificate.pem().toString());
                settings.put("sagewatch.sagemaker.tls-configuration-name", TLS_CONFIGURATION);
            }
        }
        settings.forEach((key, value) -> System.setProperty(PUBLISHED + key, value));
        return settings;
    }

    @Override
    public void stop() {
        System.getProperties().keySet().removeIf(key -> key.toString().startsWith(PUBLISHED));
        AutoCloseable[] started = {sagemaker, gate, dynamo};
        for (AutoCloseable part : started) {
            if (part != null) {
                try {
                    part.close();
                } catch (Exception e) {
                    System.err.println("GatewayTestResource: failed to stop " + part + ": " + e);
                }
            }
        }
    }
}
