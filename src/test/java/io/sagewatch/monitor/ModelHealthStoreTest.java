package io.sagewatch.monitor;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagewatch.monitor.ModelHealthStore.Claim;
import io.sagewatch.testing.GatewayTestResource;

import static org.assertj.core.api.Assertions.assertThat;

/** Model health's items in the table (DynamoDB Local): the evaluation claim, baseline versions, chunked values. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class ModelHealthStoreTest {

    @Inject
    ModelHealthStore store;

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void oneReplicaWinsAWindowAnotherTakesItOverOnlyAfterItsLeaseAndNobodyAfterItIsDone() throws Exception {
        Instant window = Instant.parse("2026-11-30T10:00:00Z").plusSeconds(System.nanoTime() % 100_000 * 60);
        assertThat(await(store.claimEvaluation("claims", window, "first", Duration.ofMillis(800))))
                .isEqualTo(Claim.WON);
        assertThat(await(store.claimEvaluation("claims", window, "second", Duration.ofMillis(800))))
                .isEqualTo(Claim.HELD);
        // the owner may claim again (a retry after a failed write)
        assertThat(await(store.claimEvaluation("claims", window, "first", Duration.ofMillis(800))))
                .isEqualTo(Claim.WON);
        Thread.sleep(1_000); // the lease runs out: the first replica is taken for dead
        assertThat(await(store.claimEvaluation("claims", window, "second", Duration.ofSeconds(30))))
                .isEqualTo(Claim.WON);
        await(store.evaluationDone("claims", window, "second"));
        assertThat(await(store.claimEvaluation("claims", window, "first", Duration.ofSeconds(30))))
                .isEqualTo(Claim.DONE);
    }

    @Test
    void aVersionIsWrittenOnceAndReadOnlyOnceCommitted() throws Exception {
        String endpoint = "versions-" + System.nanoTime();
        assertThat(await(store.baselineVersions(endpoint))).isEqualTo(new ModelHealthStore.Versions(0, 0));
        // large enough to be split across items, even gzipped
        byte[] big = new byte[900 * 1024];
        new java.util.Random(7).nextBytes(big);
        assertThat(await(store.putBaseline(endpoint, 1, big))).isTrue();
        assertThat(await(store.putBaseline(endpoint, 1, "late".getBytes(StandardCharsets.UTF_8))))
                .isFalse();
        assertThat(await(store.baseline(endpoint, 1))).isEqualTo(big);
        assertThat(await(store.putBaseline(endpoint, 2, "second".getBytes(StandardCharsets.UTF_8))))
                .isTrue();
        assertThat(await(store.baselineVersions(endpoint))).isEqualTo(new ModelHealthStore.Versions(2, 2));
        assertThat(new String(await(store.baseline(endpoint, 2)), StandardCharsets.UTF_8))
                .isEqualTo("second");
        assertThat(await(store.baseline(endpoint, 3))).isNull();
    }

    @Test
    void aReportIsListedByItsSummaryNewestFirst() throws Exception {
        String endpoint = "reports-" + System.nanoTime();
        for (int hour = 0; hour < 3; hour++) {
            Instant start = Instant.parse("2026-11-30T00:00:00Z").plusSeconds(3600L * hour);
            await(store.putReport(
                    endpoint,
                    start,
                    ("report " + hour).getBytes(StandardCharsets.UTF_8),
                    ("summary " + hour).getBytes(StandardCharsets.UTF_8)));
        }
        assertThat(await(store.reportSummaries(endpoint, 2)))
                .extracting(b -> new String(b, StandardCharsets.UTF_8))
                .containsExactly("summary 2", "summary 1");
        assertThat(new String(
                        await(store.report(endpoint, Instant.parse("2026-11-30T01:00:00Z"))), StandardCharsets.UTF_8))
                .isEqualTo("report 1");
    }
}
