package io.sagewatch;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
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
class DeployPermissionsTest {

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

        List<String> called = tableOperations().stream()
                .filter(op -> !TABLE_SETUP.contains(op))
                .toList();
        assertThat(called)
                .as("the calls above reach the table")
                .contains("BatchWriteItem", "GetItem", "Query", "DescribeTable");
        for (Path template : TEMPLATES) {
            List<String> granted = grantedOnTheTable(Files.readString(template, StandardCharsets.UTF_8));
            for (String operation : called) {
                assertThat(granted)
                        .as(template + " grants dynamodb:" + operation)
                        .contains("dynamodb:" + operation);
            }
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
