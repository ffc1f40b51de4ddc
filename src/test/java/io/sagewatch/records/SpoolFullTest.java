package io.sagewatch.records;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static io.sagewatch.testing.Gateway.tableOutage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A spool that fills during an outage dead-letters what does not fit, at once: every record is in one place or the other. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(SpoolFullTest.SmallSpool.class)
class SpoolFullTest {

    public static class SmallSpool implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sagewatch.store.spool-max-bytes", "3000");
        }
    }

    @Test
    void recordsBeyondTheBoundAreDeadLetteredAndTheRestLand() {
        List<String> ids = new ArrayList<>();
        try (CapturedLog deadLetters = CapturedLog.of(DeadLetterLog.CATEGORY)) {
            tableOutage(true);
            try {
                for (int i = 0; i < 10; i++) {
                    String id = newInferenceId();
                    ids.add(id);
                    given().header("X-Amzn-SageMaker-Inference-Id", id)
                            .body("x")
                            .post("/endpoints/echo/invocations")
                            .then()
                            .statusCode(200);
                }
                // dead-lettered at once, while the table is still down
                assertThat(deadLetters.messages()).anyMatch(line -> line.contains("the record spool is full"));
            } finally {
                tableOutage(false);
            }
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> ids.stream()
                            .allMatch(id -> inTable(id)
                                    || deadLetters.messages().stream().anyMatch(l -> l.contains(id))));
            long inTable = ids.stream().filter(SpoolFullTest::inTable).count();
            long deadLettered = ids.stream()
                    .filter(id -> deadLetters.messages().stream().anyMatch(l -> l.contains(id)))
                    .count();
            assertThat(inTable).isGreaterThan(0);
            assertThat(deadLettered).isGreaterThan(0);
            assertThat(inTable + deadLettered).isEqualTo(ids.size());
        }
    }

    private static boolean inTable(String id) {
        var response = given().get("/inferences/{id}", id);
        return response.statusCode() == 200
                && !"IN_PROGRESS".equals(response.jsonPath().getString("status"));
    }
}
