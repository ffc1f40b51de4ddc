package io.sagewatch.records;

import java.time.Duration;
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
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** The configured table does not exist and may not be created: not ready, yet inferences answer and nothing is lost. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(TableUnavailableTest.MissingTable.class)
class TableUnavailableTest {

    public static class MissingTable implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sagewatch.store.table", "no-such-table", "sagewatch.store.create-table", "false");
        }
    }

    @Test
    void readinessIsDownWithTheReason() {
        given().get("/q/health/ready")
                .then()
                .statusCode(503)
                .body("status", equalTo("DOWN"))
                .body("checks.name", hasItem("inference-table"))
                .body("checks.find { it.name == 'inference-table' }.data.table", equalTo("no-such-table"));
    }

    @Test
    void recordRoutesAnswerServiceUnavailableInSageMakersShape() {
        given().get("/inferences/{id}", "some-id")
                .then()
                .statusCode(503)
                .header("x-amzn-ErrorType", "ServiceUnavailable");
        given().get("/endpoints/echo/inferences")
                .then()
                .statusCode(503)
                .header("x-amzn-ErrorType", "ServiceUnavailable");
    }

    @Test
    void inferencesStillAnswerAndTheirRecordsAreDeadLettered() {
        String id = newInferenceId();
        try (CapturedLog deadLetters = CapturedLog.of(DeadLetterLog.CATEGORY)) {
            given().header("X-Amzn-SageMaker-Inference-Id", id)
                    .body("x")
                    .post("/endpoints/echo/invocations")
                    .then()
                    .statusCode(200);
            // ResourceNotFound is not transient: dead-lettered without retries
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> deadLetters.messages().stream()
                            .anyMatch(line -> line.contains(id) && line.contains("no-such-table")));
        }
    }
}
