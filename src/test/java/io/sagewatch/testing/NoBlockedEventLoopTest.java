package io.sagewatch.testing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Vertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The guard itself must see a blocked event loop, or its silence elsewhere proves nothing. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class NoBlockedEventLoopTest {

    @Inject
    Vertx vertx;

    @Test
    @BlocksEventLoopOnPurpose
    void aBlockedEventLoopIsReported() {
        try (CapturedLog log = CapturedLog.of(NoBlockedEventLoop.CHECKER)) {
            AtomicReference<String> blockedThread = new AtomicReference<>();
            // a verticle always gets an event-loop context of its own, whatever thread deploys it
            vertx.deployVerticle(new AbstractVerticle() {
                        @Override
                        public void start() {
                            blockedThread.set(Thread.currentThread().getName());
                            // Spin (an interrupt must not cut the block short) until the checker reports it, 8 s at
                            // most:
                            // well over the test profile's 1 s limit and its 1 s check interval, however the two align.
                            long until = System.nanoTime() + 8_000_000_000L;
                            while (System.nanoTime() < until && !reported(log)) {
                                Thread.onSpinWait();
                            }
                        }
                    })
                    .onSuccess(vertx::undeploy);
            await().atMost(Duration.ofSeconds(15)).until(() -> reported(log));
            assertThat(blockedThread.get()).startsWith("vert.x-eventloop-thread-");
        }
    }

    private static boolean reported(CapturedLog log) {
        return log.messages().stream().anyMatch(m -> m.contains("has been blocked for"));
    }
}
