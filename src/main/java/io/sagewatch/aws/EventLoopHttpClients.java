package io.sagewatch.aws;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;

/**
 * One Vert.x HTTP client (and so one connection pool) per event loop, so that a call, its connection and its handlers
 * share one thread.
 * <p>
 * A single Vert.x 4 client lends its pooled connections to every event loop: a connection opened on loop A serves a
 * call made on loop B, reads the answer on A, returns to the pool there and hands the answer to B with a hop. A call
 * abandoned on B in that gap looks unanswered, and Vert.x closes the connection of a reset stream whose answer has
 * ended: a connection already serving another call, which then fails with "Connection was closed". Measured: a
 * benchmark client that closes 256 connections at once failed a dozen unrelated inferences and opened the circuit
 * breaker. With a client per loop there is no gap (and no hop on the request path).
 */
public final class EventLoopHttpClients {

    private final VertxInternal vertx;
    private final HttpClientOptions options;
    private final Map<EventLoop, HttpClient> clients = new ConcurrentHashMap<>();

    /** {@code maxConnections} in all, shared evenly among the event loops (at least one each). */
    public EventLoopHttpClients(Vertx vertx, HttpClientOptions options, int maxConnections) {
        this.vertx = (VertxInternal) vertx;
        int loops = 0;
        for (var ignored : this.vertx.getEventLoopGroup()) {
            loops++;
        }
        loops = Math.max(1, loops);
        this.options = new HttpClientOptions(options)
                .setMaxPoolSize(Math.max(1, (maxConnections + loops - 1) / loops));
    }

    /**
     * Runs the call on an event loop with that loop's client: right here when the caller is on one (an inference
     * always is), else on one that Vert.x picks.
     */
    public void onEventLoop(Consumer<HttpClient> call) {
        Context current = Vertx.currentContext();
        if (current != null && current.isEventLoopContext()) {
            call.accept(clientOf((ContextInternal) current));
        } else {
            ContextInternal loop = vertx.createEventLoopContext();
            loop.runOnContext(ignored -> call.accept(clientOf(loop)));
        }
    }

    private HttpClient clientOf(ContextInternal context) {
        return clients.computeIfAbsent(context.nettyEventLoop(), loop -> vertx.createHttpClient(options));
    }

    public void close() {
        clients.values().forEach(HttpClient::close);
        clients.clear();
    }
}
