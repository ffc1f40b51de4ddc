package io.sagewatch.table;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagewatch.testing.GatewayTestResource;
import io.vertx.core.buffer.Buffer;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.botocoreSignatureCheck;
import static io.sagewatch.testing.Gateway.lastBatchWrite;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static io.sagewatch.testing.Gateway.tableAuthority;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The record writes as DynamoDB receives them: signed as AWS checks it, in DynamoDB's own JSON. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class BatchWriteCallTest {

    @Test
    void recordWritesCarryASignatureBotocoreAgreesWith() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("text/plain")
                .body("signed")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        awaitFinalRecord(id);
        JsonPath check = botocoreSignatureCheck(lastBatchWrite(), tableAuthority(), "dynamodb");
        assertTrue(check.getBoolean("signature_matches"), "botocore disagrees: " + check.prettify());
        assertThat(check.getList("scope", String.class)).containsExactly("us-east-1", "dynamodb", "aws4_request");
        assertThat(check.getList("signed_headers", String.class))
                .contains("host", "x-amz-date", "x-amz-target", "content-type");
    }

    @Test
    void theBodyIsDynamoDbsBatchWriteItemShape() {
        byte[] body = BatchWriteCall.body(
                "t\"able",
                List.of(
                        "{\"a\":{\"S\":\"1\"}}".getBytes(StandardCharsets.UTF_8),
                        "{\"b\":{\"N\":\"2\"}}".getBytes(StandardCharsets.UTF_8)));
        JsonPath json = JsonPath.from(new String(body, StandardCharsets.UTF_8));
        assertThat(json.getString("RequestItems.'t\"able'[0].PutRequest.Item.a.S"))
                .isEqualTo("1");
        assertThat(json.getString("RequestItems.'t\"able'[1].PutRequest.Item.b.N"))
                .isEqualTo("2");
    }

    @Test
    void throttlingAndServerErrorsAreTransientARefusedItemIsNot() {
        assertTrue(BatchWriteCall.failure(
                        400,
                        Buffer.buffer(
                                "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\"}"))
                .isTransient());
        assertTrue(BatchWriteCall.failure(
                        400, Buffer.buffer("{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\"}"))
                .isTransient());
        assertTrue(BatchWriteCall.failure(500, Buffer.buffer("<html>")).isTransient());
        assertFalse(BatchWriteCall.failure(
                        400,
                        Buffer.buffer(
                                "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"too big\"}"))
                .isTransient());
        assertFalse(BatchWriteCall.failure(
                        400,
                        Buffer.buffer("{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\"}"))
                .isTransient());
    }
}
