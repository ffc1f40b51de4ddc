package io.sagewatch.dev;

import java.lang.reflect.InvocationTargetException;

/**
 * Amazon's DynamoDB Local, in-process. Reached by reflection on purpose: the DynamoDBLocal jar is a "provided"
 * dependency (dev mode and tests only), so nothing in the packaged application or the native image links to it.
 */
public final class EmbeddedDynamoDb implements AutoCloseable {

    private static final String SERVER_RUNNER = "com.amazonaws.services.dynamodbv2.local.main.ServerRunner";

    private final Object server;
    private final int port;

    private EmbeddedDynamoDb(Object server, int port) {
        this.server = server;
        this.port = port;
    }

    /** In memory, no telemetry (which would also write a metadata file into the working directory). */
    public static EmbeddedDynamoDb start(int port) {
        return start(port, new String[] {"-inMemory", "-disableTelemetry", "-port", Integer.toString(port)});
    }

    /** On disk in {@code directory} (one shared database file): data outlives a stop and a start on it again. */
    public static EmbeddedDynamoDb start(int port, java.nio.file.Path directory) {
        return start(port, new String[] {
            "-sharedDb", "-dbPath", directory.toString(), "-disableTelemetry", "-port", Integer.toString(port)
        });
    }

    private static EmbeddedDynamoDb start(int port, String[] arguments) {
        try {
            Class<?> runner =
                    Class.forName(SERVER_RUNNER, true, Thread.currentThread().getContextClassLoader());
            Object server = runner.getMethod("createServerFromCommandLineArgs", String[].class)
                    .invoke(null, (Object) arguments);
            server.getClass().getMethod("start").invoke(server);
            return new EmbeddedDynamoDb(server, port);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(
                    "DynamoDB Local is not on the classpath: it is only there in dev mode and "
                            + "tests; set sagewatch.dev.embedded-dynamodb=false and quarkus.dynamodb.endpoint-override",
                    e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("DynamoDB Local failed to start on port " + port, e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Unexpected DynamoDB Local API", e);
        }
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            server.getClass().getMethod("stop").invoke(server);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DynamoDB Local failed to stop", e);
        }
    }
}
