package io.sagewatch.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Vertx;

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
            // a verticle always gets an event-loop context of its own, whatever thread deploys it
            vertx.deployVerticle(new AbstractVerticle() {
                @Override
                public void start() {
                    // spin rather than sleep: an interrupt must not cut the block short
                    long until = System.nanoTime() + 2_500_000_000L; // over the test profile's 1 s limit
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }
            }).onSuccess(vertx::undeploy);
            await().atMost(Duration.ofSeconds(10)).until(() -> log.messages().stream()
                    .anyMatch(m -> m.contains("has been blocked for")));
        }
    }
}
