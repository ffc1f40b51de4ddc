package io.sagewatch.records;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.batchWrites;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static io.sagewatch.testing.Gateway.tableOutage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class RecordSpoolTest {

    private static final String READY_TABLE = "checks.find { it.name == 'inference-table' }.data";

    @Test
    void aTableOutageIsRiddenOutInTheSpoolAndEveryRecordLandsWhenTheTableReturns() {
        List<String> ids = new ArrayList<>();
        try (CapturedLog deadLetters = CapturedLog.of(DeadLetterLog.CATEGORY)) {
            tableOutage(true);
            int batchesBefore;
            try {
                for (int i = 0; i < 20; i++) {
                    String id = newInferenceId();
                    ids.add(id);
                    given().header("X-Amzn-SageMaker-Inference-Id", id)
                            .body("during the outage " + i)
                            .post("/endpoints/echo/invocations")
                            .then()
                            .statusCode(200)
                            .body(equalTo("during the outage " + i));
                }
                given().get("/q/health/ready")
                        .then()
                        .statusCode(200)
                        .body(READY_TABLE + ".state", equalTo("degraded"))
                        .body(READY_TABLE + ".spooled_records", greaterThanOrEqualTo(20))
                        .body(READY_TABLE + ".last_write_failure", org.hamcrest.Matchers.containsString("Exception"));
                batchesBefore = batchWrites();
            } finally {
                tableOutage(false);
            }
            for (String id : ids) {
                assertEquals("SUCCEEDED", awaitFinalRecord(id).getString("status"), id);
            }
            // held back, the 20 records went out together, not one call each
            assertThat(batchWrites() - batchesBefore).isBetween(1, 4);
            assertThat(deadLetters.messages()).noneMatch(line -> ids.stream().anyMatch(line::contains));
        }
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body(READY_TABLE + ".state", equalTo("ok"))
                .body(READY_TABLE + ".spooled_records", equalTo(0));
    }
}
