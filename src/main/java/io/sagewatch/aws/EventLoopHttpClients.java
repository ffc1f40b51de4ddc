package io.sagewatch.aws;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.tracing.TracingPolicy;

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
 * <p>
 * The clients are made up front, outside any Vert.x context, so that they live as long as Vert.x: a client made
 * inside a request's context would be closed with the HTTP server's verticle at shutdown, before the record spool's
 * last flush.
 */
public final class EventLoopHttpClients {

    private final VertxInternal vertx;
    private final Map<EventLoop, HttpClient> clients = new ConcurrentHashMap<>();

    /** {@code connectionsPerLoop} keep-alive connections at most on each event loop. */
    public EventLoopHttpClients(Vertx vertx, HttpClientOptions options, int connectionsPerLoop) {
        this.vertx = (VertxInternal) vertx;
        // no automatic client spans: the model call's span is the gateway's own, with the headers it chose
        HttpClientOptions perLoop = new HttpClientOptions(options)
                .setMaxPoolSize(Math.max(1, connectionsPerLoop))
                .setTracingPolicy(TracingPolicy.IGNORE);
        for (EventExecutor loop : this.vertx.getEventLoopGroup()) {
            clients.put((EventLoop) loop, vertx.createHttpClient(perLoop));
        }
    }

    /** The event loops Vert.x runs: to share a total among them. */
    public static int eventLoops(Vertx vertx) {
        int loops = 0;
        for (EventExecutor ignored : ((VertxInternal) vertx).getEventLoopGroup()) {
            loops++;
        }
        return Math.max(1, loops);
    }

    /**
     * Runs the call on an event loop with that loop's client: right here when the caller is on one (an inference
     * always is), else on one that Vert.x picks. Its future completes on that loop; a call that throws fails it.
     */
    public <T> Future<T> onEventLoop(Function<HttpClient, Future<T>> call) {
        Context current = Vertx.currentContext();
        if (current != null && current.isEventLoopContext()) {
            return attempt(call, (ContextInternal) current);
        }
        ContextInternal loop = vertx.createEventLoopContext();
        Promise<T> done = Promise.promise();
        loop.runOnContext(ignored -> attempt(call, loop).onComplete(done));
        return done.future();
    }

    private <T> Future<T> attempt(Function<HttpClient, Future<T>> call, ContextInternal context) {
        try {
            HttpClient client = clients.get(context.nettyEventLoop());
            if (client == null) {
                return Future.failedFuture(new IllegalStateException("no HTTP client for " + context));
            }
            return call.apply(client);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    public void close() {
        clients.values().forEach(HttpClient::close);
    }
}
