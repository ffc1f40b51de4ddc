package io.sagewatch.records;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.hamcrest.Matchers.equalTo;

/** sagewatch.store.await-final-write=true (the Lambda setting): the final record exists when the answer arrives. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(AwaitFinalWriteTest.AwaitFinalWrite.class)
class AwaitFinalWriteTest {

    public static class AwaitFinalWrite implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sagewatch.store.await-final-write", "true");
        }
    }

    @Test
    void theFinalRecordIsWrittenBeforeTheResponse() {
        for (String endpoint : new String[] {"echo", "error-model", "slow"}) {
            String id = newInferenceId();
            int status = given().header("X-Amzn-SageMaker-Inference-Id", id)
                    .body("x")
                    .post("/endpoints/{e}/invocations", endpoint)
                    .statusCode();
            // no waiting: read at once
            given().get("/inferences/{id}", id)
                    .then()
                    .statusCode(200)
                    .body("status", equalTo(status == 200 ? "SUCCEEDED" : "FAILED"))
                    .body("http_status", equalTo(status));
        }
    }
}
