package io.sagewatch.datacapture;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.sagewatch.json.Json;
import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.MotoServer;
import io.sagewatch.testing.PythonScript;

/**
 * moto_server's S3 on a free loopback port, with the capture bucket, and the gateway's S3 client pointed at it. Tests
 * may stop it and start it again on the same port (an S3 outage), and read the bucket with boto3.
 */
public class CaptureBucket implements QuarkusTestResourceLifecycleManager {

    static final String BUCKET = "sagewatch-capture";
    static final String PREFIX = "datacapture";
    private static int port;
    private static MotoServer moto;

    @Override
    public Map<String, String> start() {
        port = FreePort.next();
        up();
        return Map.of(
                "quarkus.s3.endpoint-override", "http://127.0.0.1:" + port,
                "quarkus.s3.aws.region", "us-east-1",
                "quarkus.s3.aws.credentials.type", "static",
                "quarkus.s3.aws.credentials.static-provider.access-key-id", "test",
                "quarkus.s3.aws.credentials.static-provider.secret-access-key", "test",
                "quarkus.s3.path-style-access", "true",
                "sagewatch.data-capture.destination", "s3://" + BUCKET + "/" + PREFIX);
    }

    /** Starts S3 (empty, as moto starts) and creates the bucket. */
    static synchronized void up() {
        try {
            moto = MotoServer.start(port);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        PythonScript.run("s3_capture.py", "", moto.url(), "create", BUCKET);
    }

    /** Stops S3: puts fail until {@link #up()}. */
    static synchronized void down() {
        moto.close();
    }

    /** Every capture file under the prefix, as boto3 reads it: key to lines. */
    static Map<String, List<JsonNode>> files() throws IOException {
        JsonNode files = Json.MAPPER.readTree(
                PythonScript.run("s3_capture.py", "", "http://127.0.0.1:" + port, "read", BUCKET, PREFIX + "/"));
        Map<String, List<JsonNode>> read = new java.util.TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> file = it.next();
            List<JsonNode> lines = new ArrayList<>();
            for (JsonNode line : file.getValue()) {
                lines.add(Json.MAPPER.readTree(line.asText()));
            }
            read.put(file.getKey(), lines);
        }
        return read;
    }

    @Override
    public synchronized void stop() {
        if (moto != null) {
            moto.close();
        }
    }
}
