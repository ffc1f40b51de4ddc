package io.sagewatch.dev;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * The training run's table: acknowledges what the gateway writes (BatchWriteItem, PutItem, UpdateItem) and answers
 * reads as an empty table, in DynamoDB's JSON protocol, so that the record path runs in full without DynamoDB (the
 * training run happens inside an image build, where neither DynamoDB nor DynamoDB Local is at hand). Loopback only.
 */
public final class TableStandIn implements AutoCloseable {

    private final HttpServer server;
    private final AtomicLong batches;

    private TableStandIn(HttpServer server, AtomicLong batches) {
        this.server = server;
        this.batches = batches;
    }

    public static TableStandIn start(Vertx vertx, int port) {
        AtomicLong batches = new AtomicLong();
        HttpServer server = vertx.createHttpServer()
                .requestHandler(request -> request.body().onComplete(body -> {
                    String target = request.getHeader("X-Amz-Target");
                    String operation = target == null ? "" : target.substring(target.indexOf('.') + 1);
                    String answer = switch (operation) {
                        case "BatchWriteItem" -> {
                            batches.incrementAndGet();
                            yield "{\"UnprocessedItems\":{}}";
                        }
                        case "Query", "Scan" -> "{\"Count\":0,\"Items\":[],\"ScannedCount\":0}";
                        default -> "{}";
                    };
                    request.response()
                            .putHeader("Content-Type", "application/x-amz-json-1.0")
                            .end(answer);
                }));
        try {
            server.listen(port, "127.0.0.1")
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("The table stand-in could not listen on 127.0.0.1:" + port, e);
        }
        return new TableStandIn(server, batches);
    }

    /** The record batches acknowledged so far. */
    public long batches() {
        return batches.get();
    }

    @Override
    public void close() {
        server.close();
    }
}
