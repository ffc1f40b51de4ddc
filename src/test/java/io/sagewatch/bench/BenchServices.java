package io.sagewatch.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;

import io.sagewatch.aws.EventStreamMessage;
import io.sagewatch.dev.EmbeddedDynamoDb;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;

/**
 * What the gateway talks to in a benchmark, on loopback and non-blocking so they are not the bottleneck:
 * DynamoDB Local, a proxy in front of it that delays every record write (PutItem, BatchWriteItem) by D2 ms, and a
 * SageMaker-protocol model that echoes after D1 ms. TABLE = "ack": the proxy acknowledges record writes itself (after
 * D2) without writing, so that the gateway is measured rather than DynamoDB Local's write capacity (a few hundred
 * writes/s on 2 cores, on the same cores as the gateway); "write": it forwards them. Counts the DynamoDB operations it passes, at GET /_bench/operations. Usage: BenchServices DYNAMO_PORT PROXY_PORT MODEL_PORT D1_MS D2_MS TABLE. Runs until killed.
 */
public final class BenchServices {

    public static void main(String[] args) throws Exception {
        int dynamoPort = Integer.parseInt(args[0]);
        int proxyPort = Integer.parseInt(args[1]);
        int modelPort = Integer.parseInt(args[2]);
        long modelDelay = Long.parseLong(args[3]);
        long tableDelay = Long.parseLong(args[4]);
        boolean acknowledgeOnly = "ack".equals(args[5]);

        EmbeddedDynamoDb dynamo = EmbeddedDynamoDb.start(dynamoPort);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions().setMaxPoolSize(256).setKeepAlive(true));

        HttpServer model = vertx.createHttpServer()
                .requestHandler(request -> request.body().onSuccess(body -> {
                    // an OpenAI chat body (the OpenAI front's messages protocol, Portkey's OpenAI provider): a chat
                    // model's answer, a chat completion or its stream
                    String text = body.length() > 0 && body.getByte(0) == '{' ? body.toString() : "";
                    if (text.contains("\"messages\"")) {
                        boolean eventStream = request.path().endsWith("/invocations-response-stream");
                        if (eventStream || text.contains("\"stream\":true")) {
                            chatStream(vertx, request, eventStream);
                        } else {
                            request.response()
                                    .putHeader("Content-Type", "application/json")
                                    .putHeader("x-Amzn-Invoked-Production-Variant", "AllTraffic")
                                    .end(CHAT_COMPLETION);
                        }
                        return;
                    }
                    if (request.path().endsWith("/invocations-response-stream")) {
                        stream(vertx, request, body);
                        return;
                    }
                    Runnable answer = () -> request.response()
                            .putHeader(
                                    "Content-Type",
                                    request.getHeader("Content-Type") == null
                                            ? "application/octet-stream"
                                            : request.getHeader("Content-Type"))
                            .putHeader("x-Amzn-Invoked-Production-Variant", "AllTraffic")
                            .end(body);
                    if (modelDelay > 0) {
                        vertx.setTimer(modelDelay, id -> answer.run());
                    } else {
                        answer.run();
                    }
                }));
        // the DynamoDB operations the gateway called, by name: GET /_bench/operations on the proxy (budgets' table
        // calls)
        Map<String, LongAdder> operations = new ConcurrentHashMap<>();
        HttpServer proxy = vertx.createHttpServer()
                .requestHandler(request -> request.body().onSuccess(body -> {
                    if (request.path().equals("/_bench/operations")) {
                        StringBuilder counts = new StringBuilder();
                        operations.forEach((name, count) -> counts.append(name)
                                .append(' ')
                                .append(count.sum())
                                .append('\n'));
                        request.response().end(counts.toString());
                        return;
                    }
                    String target = request.getHeader("X-Amz-Target");
                    if (target != null) {
                        operations
                                .computeIfAbsent(target.substring(target.indexOf('.') + 1), name -> new LongAdder())
                                .increment();
                    }
                    boolean batch = target != null && target.endsWith(".BatchWriteItem");
                    boolean write = batch || target != null && target.endsWith(".PutItem");
                    // BatchWriteItem's answer: nothing left unprocessed
                    String ack = batch ? "{\"UnprocessedItems\":{}}" : "{}";
                    Runnable pass = write && acknowledgeOnly
                            ? () -> request.response()
                                    .putHeader("Content-Type", "application/x-amz-json-1.0")
                                    .end(ack)
                            : () -> forward(client, dynamoPort, request, body);
                    if (write && tableDelay > 0) {
                        vertx.setTimer(tableDelay, id -> pass.run());
                    } else {
                        pass.run();
                    }
                }));
        model.listen(modelPort, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        proxy.listen(proxyPort, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .join();
        System.out.println("bench services ready");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            vertx.close();
            dynamo.close();
        }));
        new CountDownLatch(1).await();
    }

    /**
     * A paced stream, as an LLM container sends one: {@code {"parts": N, "pace_ms": P, "part_bytes": B}}; the first part
     * at once, part i at i * P ms after the request (a schedule, not a chain of delays: no drift), each a TGI-style
     * server-sent event padded to B bytes.
     */
    static final String CHAT_COMPLETION = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\","
            + "\"created\":1700000000,\"model\":\"bench\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"The gateway records every inference with its latency, its tokens and its "
            + "cost.\"},\"finish_reason\":\"stop\",\"logprobs\":null}],\"usage\":{\"prompt_tokens\":24,"
            + "\"completion_tokens\":14,\"total_tokens\":38}}";

    /**
     * A chat stream of 8 chunks, 5 ms apart, the first at once: as server-sent events in PayloadParts
     * (InvokeEndpointWithResponseStream) or in plain HTTP chunks (an OpenAI route).
     */
    private static void chatStream(Vertx vertx, HttpServerRequest request, boolean eventStream) {
        var response = request.response().setChunked(true);
        if (eventStream) {
            response.putHeader("Content-Type", "application/vnd.amazon.eventstream")
                    .putHeader("X-Amzn-SageMaker-Content-Type", "text/event-stream");
        } else {
            response.putHeader("Content-Type", "text/event-stream");
        }
        int[] sent = {0};
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (response.closed()) {
                return;
            }
            int i = sent[0]++;
            String event = i == 8
                    ? "data: [DONE]\n\n"
                    : "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                            + "\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},"
                            + "\"finish_reason\":" + (i == 7 ? "\"stop\"" : "null") + "}]}\n\n";
            byte[] bytes = event.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            response.write(
                    eventStream
                            ? Buffer.buffer(EventStreamMessage.event("PayloadPart", "application/octet-stream", bytes)
                                    .encode())
                            : Buffer.buffer(bytes));
            if (i == 8) {
                response.end();
                return;
            }
            vertx.setTimer(5, id -> next[0].run());
        };
        next[0].run();
    }

    private static void stream(Vertx vertx, HttpServerRequest request, Buffer body) {
        var spec = body.length() > 0 ? body.toJsonObject() : new io.vertx.core.json.JsonObject();
        int parts = spec.getInteger("parts", 16);
        long pace = spec.getLong("pace_ms", 20L);
        int bytes = spec.getInteger("part_bytes", 64);
        long start = System.nanoTime();
        var response = request.response()
                .setChunked(true)
                .putHeader("Content-Type", "application/vnd.amazon.eventstream")
                .putHeader("X-Amzn-SageMaker-Content-Type", "text/event-stream")
                .putHeader("x-Amzn-Invoked-Production-Variant", "AllTraffic");
        int[] sent = {0};
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (response.closed()) {
                return;
            }
            int i = sent[0]++;
            String event = "data:{\"token\":{\"id\":" + i + ",\"text\":\" t\",\"special\":false}}";
            StringBuilder text = new StringBuilder(event);
            while (text.length() < bytes - 2) {
                text.append(' ');
            }
            text.append("\n\n");
            response.write(Buffer.buffer(EventStreamMessage.event(
                            "PayloadPart",
                            "application/octet-stream",
                            text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .encode()));
            if (sent[0] == parts) {
                response.end();
                return;
            }
            long due = start + sent[0] * pace * 1_000_000L;
            long delay = Math.max(1, (due - System.nanoTime()) / 1_000_000L);
            vertx.setTimer(delay, id -> next[0].run());
        };
        next[0].run();
    }

    private static void forward(HttpClient client, int port, HttpServerRequest request, Buffer body) {
        RequestOptions options = new RequestOptions()
                .setHost("127.0.0.1")
                .setPort(port)
                .setMethod(request.method())
                .setURI(request.uri());
        request.headers().forEach(h -> {
            if (!h.getKey().equalsIgnoreCase("Host") && !h.getKey().equalsIgnoreCase("Content-Length")) {
                options.addHeader(h.getKey(), h.getValue());
            }
        });
        client.request(options)
                .compose(out -> out.send(body))
                .onSuccess(in -> in.body().onSuccess(answer -> {
                    var response = request.response().setStatusCode(in.statusCode());
                    in.headers().forEach(h -> {
                        if (!h.getKey().equalsIgnoreCase("Content-Length")) {
                            response.putHeader(h.getKey(), h.getValue());
                        }
                    });
                    response.end(answer);
                }))
                .onFailure(failure -> request.response().setStatusCode(502).end());
    }
}
