package io.sagewatch.table;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.buffer.Unpooled;
import io.quarkus.runtime.Startup;
import io.sagewatch.aws.AbandonableCall;
import io.sagewatch.aws.EventLoopHttpClients;
import io.sagewatch.aws.RequestSigner;
import io.sagewatch.aws.ServiceEndpoint;
import io.sagewatch.aws.TlsTrust;
import io.sagewatch.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;

import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

/**
 * DynamoDB's BatchWriteItem as one signed HTTP call on Vert.x: the request body is the records' items, serialized once
 * when they were queued, joined. The spool makes this call for every record written, so it skips the SDK client's
 * pipeline (its marshalling, interceptors and own Netty were most of the gateway's CPU); the SDK still signs it, and
 * the table's endpoint, region and credentials are those the Quarkus DynamoDB extension is configured with
 * ({@link TableClient.Address}). One attempt: retries are the spool's.
 */
@ApplicationScoped
@Startup
public class BatchWriteCall {

    private static final Logger LOG = Logger.getLogger(BatchWriteCall.class);

    static final String TARGET = "DynamoDB_20120810.BatchWriteItem";
    private static final ObjectMapper JSON = Json.MAPPER;
    /** Writes at once per lane (two lanes) can all land on one loop: room for them, and to spare. */
    private static final int CONNECTIONS_PER_LOOP = 16;

    /** A failed call; {@code transientFailure}: the table may take the same items later. */
    public static final class Failure extends RuntimeException {
        private final boolean transientFailure;

        Failure(String message, boolean transientFailure, Throwable cause) {
            super(message, cause, false, false);
            this.transientFailure = transientFailure;
        }

        public boolean isTransient() {
            return transientFailure;
        }
    }

    private final EventLoopHttpClients http;
    private final RequestSigner signer;
    private final ServiceEndpoint endpoint;
    private final Vertx vertx;

    BatchWriteCall(Vertx vertx, TableClient tables, Config config) {
        TableClient.Address table = tables.address();
        this.vertx = vertx;
        this.endpoint = table.endpoint();
        this.signer = new RequestSigner(table.credentials(), table.region(), "dynamodb");
        // the first resolution may read files or call a metadata endpoint: here at startup, not on an event loop
        // during the first inference
        try {
            table.credentials().resolveIdentity().join();
        } catch (RuntimeException e) {
            LOG.warnf(
                    "No AWS credentials for the record table yet (%s); writes are spooled until there are",
                    e.getMessage());
        }
        this.http = new EventLoopHttpClients(
                vertx,
                TlsTrust.likeTheDynamoDbClient(
                        new HttpClientOptions()
                                .setProtocolVersion(HttpVersion.HTTP_1_1)
                                .setKeepAlive(true)
                                .setConnectTimeout(5_000)
                                .setSsl(endpoint.tls())
                                .setVerifyHost(true)
                                .setName("dynamodb-records"),
                        config),
                CONNECTIONS_PER_LOOP);
    }

    /** The BatchWriteItem body for these items (DynamoDB JSON, each already serialized). */
    static byte[] body(String table, List<byte[]> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(items.size() * 600 + 64);
        try {
            out.write("{\"RequestItems\":{".getBytes(StandardCharsets.UTF_8));
            out.write(JSON.writeValueAsBytes(table));
            out.write(":[".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < items.size(); i++) {
                out.write((i == 0 ? "{\"PutRequest\":{\"Item\":" : ",{\"PutRequest\":{\"Item\":")
                        .getBytes(StandardCharsets.UTF_8));
                out.write(items.get(i));
                out.write("}}".getBytes(StandardCharsets.UTF_8));
            }
            out.write("]}}".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * Writes the items; the future completes with the keys (see {@link InferenceTable#key}) of those DynamoDB left
     * unprocessed, or fails with a {@link Failure}. Bounded by {@code timeout} in all.
     */
    public CompletableFuture<Set<String>> write(String table, List<byte[]> items, Duration timeout) {
        CompletableFuture<Set<String>> done = new CompletableFuture<>();
        byte[] body = body(table, items);
        AbandonableCall call = new AbandonableCall();
        long timer = vertx.setTimer(timeout.toMillis(), id -> {
            if (done.completeExceptionally(new Failure("no answer within " + timeout.toMillis() + " ms", true, null))) {
                call.abandon();
            }
        });
        done.whenComplete((result, failure) -> vertx.cancelTimer(timer));
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .protocol(endpoint.tls() ? "https" : "http")
                .host(endpoint.host())
                .port(endpoint.port())
                .encodedPath("/")
                .putHeader("Host", endpoint.authority())
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("X-Amz-Target", TARGET)
                .build();
        signer.sign(request, body).whenComplete((signed, signing) -> {
            if (signing != null) {
                done.completeExceptionally(new Failure("could not sign: " + signing, true, signing));
                return;
            }
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setHost(endpoint.host())
                    .setPort(endpoint.port())
                    .setSsl(endpoint.tls())
                    .setURI("/");
            signed.forEachHeader((name, values) -> values.forEach(v -> options.addHeader(name, v)));
            http.onEventLoop(client -> client.request(options)
                            .compose(out -> call.started(out)
                                    // abandoned while it waited for a connection: never sent, so it cannot land late
                                    ? out.send(Buffer.buffer(Unpooled.wrappedBuffer(body)))
                                    : Future.failedFuture(new Failure("abandoned before it was sent", true, null)))
                            .compose(response -> response.body().map(answer -> {
                                checkCrc(response.getHeader("x-amz-crc32"), answer);
                                if (response.statusCode() != 200) {
                                    throw failure(response.statusCode(), answer);
                                }
                                return unprocessed(table, answer);
                            })))
                    .onComplete(result -> {
                        call.answered();
                        if (result.succeeded()) {
                            done.complete(result.result());
                        } else {
                            Throwable cause = result.cause();
                            done.completeExceptionally(
                                    cause instanceof Failure
                                            ? cause
                                            : new Failure("the table could not be reached: " + cause, true, cause));
                        }
                    });
        });
        return done;
    }

    /** DynamoDB's checksum of its answer, as the SDK checks it: a damaged answer is a failed call. */
    private static void checkCrc(String expected, Buffer answer) {
        if (expected == null) {
            return;
        }
        CRC32 crc = new CRC32();
        crc.update(answer.getBytes());
        if (crc.getValue() != Long.parseLong(expected)) {
            throw new Failure("the answer failed its CRC32 check", true, null);
        }
    }

    /** An error answer: throttling, server errors and expired credentials are transient; a refused item is not. */
    static Failure failure(int status, Buffer answer) {
        String type = "";
        String message = "";
        try {
            JsonNode json = JSON.readTree(answer.getBytes());
            type = json.path("__type").asText("");
            type = type.substring(type.lastIndexOf('#') + 1);
            message = json.has("message")
                    ? json.get("message").asText()
                    : json.path("Message").asText("");
        } catch (IOException e) {
            // not JSON: the status says enough
        }
        boolean transientFailure = status >= 500
                || type.contains("Throttling")
                || type.equals("ProvisionedThroughputExceededException")
                || type.equals("RequestLimitExceeded")
                || type.equals("ExpiredTokenException")
                || type.equals("InvalidSignatureException");
        return new Failure("DynamoDB answered " + status + " " + type + ": " + message, transientFailure, null);
    }

    private static Set<String> unprocessed(String table, Buffer answer) {
        Set<String> keys = new HashSet<>();
        try {
            JsonNode left =
                    JSON.readTree(answer.getBytes()).path("UnprocessedItems").path(table);
            for (JsonNode write : left) {
                JsonNode item = write.path("PutRequest").path("Item");
                keys.add(InferenceTable.key(
                        item.path(InferenceTable.INFERENCE_ID).path("S").asText(),
                        item.path(InferenceTable.REQUEST_ID).path("S").asText()));
            }
        } catch (IOException e) {
            throw new Failure("unreadable answer: " + e.getMessage(), true, e);
        }
        return keys;
    }

    @PreDestroy
    void close() {
        http.close();
    }
}
