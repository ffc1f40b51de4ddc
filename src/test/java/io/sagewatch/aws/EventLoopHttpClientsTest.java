package io.sagewatch.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.impl.VertxInternal;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Abandoning a call (a cancelled inference, a write past its deadline) must never fail another one, and a call
 * abandoned before it was sent is never sent. Calls from four event loops share two pooled connections per loop; every
 * other call is abandoned just as its answer arrives, which is when a shared Vert.x client used to close a connection
 * already serving the next call ("Connection was closed").
 */
class EventLoopHttpClientsTest {

    private static final int CALLS = 4_000;

    private Vertx vertx;
    private HttpServer server;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
        server = vertx.createHttpServer()
                .requestHandler(request -> request.body()
                        .onSuccess(body ->
                                vertx.setTimer(1, id -> request.response().end(body))))
                .listen(0, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void abandonedCallsNeverFailTheCallsTheyShareConnectionsWith() throws Exception {
        EventLoopHttpClients clients = new EventLoopHttpClients(vertx, new HttpClientOptions().setKeepAlive(true), 2);
        List<Context> loops = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            loops.add(((VertxInternal) vertx).createEventLoopContext());
        }
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Future<?>> finished = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            boolean abandoned = i % 2 == 1;
            Promise<Void> done = Promise.promise();
            finished.add(done.future());
            loops.get(i % loops.size()).runOnContext(ignored -> call(clients, abandoned, failures, done));
        }
        Future.all(finished).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);

        assertThat(failures).as("calls that were not abandoned but failed").isEmpty();
        clients.close();
    }

    private void call(
            EventLoopHttpClients clients,
            boolean abandoned,
            ConcurrentLinkedQueue<String> failures,
            Promise<Void> done) {
        AbandonableCall call = new AbandonableCall();
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(server.actualPort())
                .setURI("/");
        clients.onEventLoop(client -> client.request(options)
                        .compose(out -> {
                            if (!call.started(out)) {
                                return Future.failedFuture("abandoned");
                            }
                            if (abandoned) {
                                // lands anywhere from before the answer to just after it
                                long delay = 1 + ThreadLocalRandom.current().nextInt(2);
                                vertx.setTimer(delay, id -> call.abandon());
                            }
                            return out.send("ping");
                        })
                        .compose(response -> response.body()))
                .onComplete(result -> {
                    call.answered();
                    if (result.failed() && !abandoned) {
                        failures.add(String.valueOf(result.cause()));
                    }
                    done.complete();
                });
    }

    @Test
    void aCallAbandonedWhileItWaitsForAConnectionIsNeverSent() throws Exception {
        // one connection per loop: all but the first call queue for it, and are abandoned there
        EventLoopHttpClients clients = new EventLoopHttpClients(vertx, new HttpClientOptions().setKeepAlive(true), 1);
        Context loop = ((VertxInternal) vertx).createEventLoopContext();
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(server.actualPort())
                .setURI("/");
        List<Future<?>> finished = new ArrayList<>();
        AtomicInteger sent = new AtomicInteger();
        loop.runOnContext(ignored -> {
            for (int i = 0; i < 50; i++) {
                AbandonableCall call = new AbandonableCall();
                finished.add(clients.onEventLoop(client -> client.request(options)
                                .compose(out -> {
                                    if (!call.started(out)) {
                                        return Future.failedFuture("abandoned");
                                    }
                                    sent.incrementAndGet();
                                    return out.send("ping").compose(response -> response.body());
                                }))
                        .onComplete(result -> call.answered()));
                if (i > 0) {
                    call.abandon(); // a deadline passed, the client left: while the call waits for the connection
                }
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> finished.size() == 50);
        Future.join(finished)
                .toCompletionStage()
                .toCompletableFuture()
                .handle((r, e) -> null)
                .get(30, TimeUnit.SECONDS);

        assertThat(sent.get()).as("calls sent").isEqualTo(1);
        assertThat(finished.get(0).succeeded())
                .as("the call not abandoned is answered")
                .isTrue();
        assertThat(finished.stream().skip(1).allMatch(Future::failed))
                .as("the abandoned ones fail")
                .isTrue();
        clients.close();
    }
}
