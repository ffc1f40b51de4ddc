package io.sagewatch;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static io.sagewatch.testing.Gateway.tableOperations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.startsWith;

/**
 * The deploy templates grant the gateway every DynamoDB operation it calls, found by calling them: a gateway whose
 * role lacks one loses records (BatchWriteItem), its records API (GetItem, Query) or idempotency (PutItem,
 * UpdateItem, DeleteItem) only in production. The table gate in front of DynamoDB Local sees each call.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@TestProfile(DeployPermissionsTest.WithModelQuality.class)
class DeployPermissionsTest {

    /** Model quality on the echo endpoint: its labels are joined with BatchGetItem. */
    public static class WithModelQuality implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "sagewatch.endpoint.echo.monitor.quality.problem-type", "Regression",
                    "sagewatch.endpoint.echo.monitor.quality.inference-attribute", "0");
        }
    }

    /** The templates create the table themselves; the gateway creates it only in dev and tests (create-table). */
    private static final Set<String> TABLE_SETUP = Set.of("CreateTable", "UpdateTimeToLive", "DescribeTimeToLive");

    private static final List<Path> TEMPLATES =
            List.of(Path.of("deploy/sam/template.yaml"), Path.of("deploy/ecs/template.yaml"));

    @Test
    void everyTableOperationTheGatewayCallsIsGrantedToItsRole() throws Exception {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("x")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        awaitFinalRecord(id);
        given().get("/endpoints/echo/inferences").then().statusCode(200);
        String key = "permissions-" + id;
        given().header("Idempotency-Key", key)
                .body("x")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        given().header("Idempotency-Key", key)
                .body("x")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .header("Idempotent-Replayed", "true");
        // a throttled call gives its key back
        given().header("Idempotency-Key", "released-" + id)
                .body("x")
                .post("/endpoints/throttled/invocations")
                .then()
                .statusCode(400)
                .header("x-amzn-ErrorType", startsWith("ThrottlingException"));

        // model quality: a prediction kept, its label joined (until the worker has written the prediction)
        String labelled = "quality-" + id;
        given().header("X-Amzn-SageMaker-Inference-Id", labelled)
                .contentType("text/csv")
                .body("2.5")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> given().contentType("text/csv")
                        .body(labelled + ",3")
                        .post("/endpoints/echo/monitoring/ground-truth")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("accepted")
                        .equals(1));
        given().get("/endpoints/echo/monitoring/quality/windows").then().statusCode(200);

        List<String> called = tableOperations().stream()
                .filter(op -> !TABLE_SETUP.contains(op))
                .toList();
        assertThat(called)
                .as("the calls above reach the table")
                .contains("BatchWriteItem", "BatchGetItem", "GetItem", "Query", "DescribeTable");
        for (Path template : TEMPLATES) {
            List<String> granted = grantedOnTheTable(Files.readString(template, StandardCharsets.UTF_8));
            for (String operation : called) {
                assertThat(granted)
                        .as(template + " grants dynamodb:" + operation)
                        .contains("dynamodb:" + operation);
            }
            // Data Capture (DataCaptureTest calls PutObject): under its prefix of the bucket, when one is given
            assertThat(Files.readString(template, StandardCharsets.UTF_8))
                    .contains("Action: s3:PutObject\n            Resource: !Sub"
                            + " arn:${AWS::Partition}:s3:::${DataCaptureBucket}/${DataCapturePrefix}/*");
        }
    }

    /** The actions of the statement whose resources are the inference table. */
    private static List<String> grantedOnTheTable(String template) {
        Matcher statement = Pattern.compile(
                        "Action: \\[([^\\]]*dynamodb:[^\\]]*)]\\s+Resource:\\s+- !GetAtt " + "InferenceTable\\.Arn")
                .matcher(template);
        assertThat(statement.find())
                .as("a statement granting actions on InferenceTable")
                .isTrue();
        return List.of(statement.group(1).split(",\\s*"));
    }
}
