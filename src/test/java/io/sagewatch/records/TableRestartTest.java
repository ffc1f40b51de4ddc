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
import io.sagewatch.testing.RestartableTableResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/** DynamoDB Local really stopped mid-test and started again: inferences keep answering, every record lands. */
@QuarkusTest
@WithTestResource(RestartableTableResource.class)
@TestProfile(TableRestartTest.OwnTable.class)
class TableRestartTest {

    /** Its own application: the other tests' resource must not be shared with a table that goes away. */
    public static class OwnTable implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sagewatch.store.write-timeout", "500ms");
        }
    }

    @Test
    void recordsWrittenWhileTheTableWasStoppedLandWhenItIsBack() {
        List<String> ids = new ArrayList<>();
        try (CapturedLog deadLetters = CapturedLog.of(DeadLetterLog.CATEGORY)) {
            for (int i = 0; i < 5; i++) {
                ids.add(invoke("before " + i));
            }
            RestartableTableResource.stopTable();
            try {
                for (int i = 0; i < 15; i++) {
                    ids.add(invoke("while stopped " + i));
                }
                given().get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body("checks.find { it.name == 'inference-table' }.data.state", equalTo("degraded"));
            } finally {
                RestartableTableResource.startTable();
            }
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> ids.stream().allMatch(TableRestartTest::stored));
            assertThat(deadLetters.messages()).noneMatch(line -> ids.stream().anyMatch(line::contains));
        }
    }

    private static String invoke(String body) {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("text/plain")
                .body(body)
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .body(equalTo(body));
        return id;
    }

    private static boolean stored(String id) {
        var response = given().get("/inferences/{id}", id);
        return response.statusCode() == 200
                && "SUCCEEDED".equals(response.jsonPath().getString("status"));
    }
}
