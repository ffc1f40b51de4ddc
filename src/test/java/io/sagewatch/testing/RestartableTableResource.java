package io.sagewatch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sagewatch.dev.EmbeddedDynamoDb;

/**
 * DynamoDB Local on disk, which a test can really stop and start again on the same port and data (no gate in
 * between), and a {@link SageMakerFake}.
 */
public class RestartableTableResource implements QuarkusTestResourceLifecycleManager {

    private static volatile EmbeddedDynamoDb dynamo;
    private static volatile int port;
    private static volatile Path directory;
    private SageMakerFake sagemaker;

    @Override
    public Map<String, String> start() {
        try {
            port = FreePort.next();
            directory = Files.createTempDirectory("sagewatch-dynamodb");
            dynamo = EmbeddedDynamoDb.start(port, directory);
            sagemaker = new SageMakerFake();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "quarkus.dynamodb.endpoint-override",
                "http://127.0.0.1:" + port,
                "sagewatch.sagemaker.endpoint-override",
                sagemaker.url());
    }

    /** Stops DynamoDB Local: connections are refused until {@link #startTable()}. */
    public static void stopTable() {
        dynamo.close();
    }

    public static void startTable() {
        dynamo = EmbeddedDynamoDb.start(port, directory);
    }

    @Override
    public void stop() {
        if (sagemaker != null) {
            sagemaker.close();
        }
        try {
            dynamo.close();
        } catch (RuntimeException e) {
            // already stopped by a test
        }
    }
}
