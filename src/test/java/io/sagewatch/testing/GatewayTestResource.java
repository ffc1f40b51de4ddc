package io.sagewatch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
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

    private EmbeddedDynamoDb dynamo;
    private TableGate gate;
    private SageMakerFake sagemaker;

    @Override
    public Map<String, String> start() {
        try {
            dynamo = EmbeddedDynamoDb.start(freePort());
            gate = new TableGate(dynamo.port());
            sagemaker = new SageMakerFake();
        } catch (IOException | RuntimeException e) {
            stop(); // what did start must not outlive a failed start
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        return Map.of(
                "quarkus.dynamodb.endpoint-override", gate.url(),
                "sagewatch.sagemaker.endpoint-override", sagemaker.url(),
                DYNAMODB_DIRECT, "http://127.0.0.1:" + dynamo.port());
    }

    @Override
    public void stop() {
        AutoCloseable[] started = { sagemaker, gate, dynamo };
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

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
