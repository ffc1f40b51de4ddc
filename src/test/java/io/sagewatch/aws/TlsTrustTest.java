package io.sagewatch.aws;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagewatch.testing.Gateway;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * AWS endpoints are HTTPS. Here SageMaker and DynamoDB answer over HTTPS with a certificate made for this run, which
 * no default trust store holds: the gateway reaches them only through the trust it is configured with, for each of
 * its clients (the signed SageMaker calls, the record writer's BatchWriteItem, the SDK client's reads and claims).
 */
@QuarkusTest
@WithTestResource(
        value = GatewayTestResource.class,
        initArgs = @ResourceArg(name = GatewayTestResource.TLS, value = "named"))
class TlsTrustTest {

    @Test
    void sageMakerAndTheTableAreReachedOverHttpsWithTheConfiguredTrust() {
        assertThat(Gateway.setting("sagewatch.sagemaker.endpoint-override")).startsWith("https://");
        assertThat(Gateway.setting("quarkus.dynamodb.endpoint-override")).startsWith("https://");
        // DescribeTable through the SDK client
        given().get("/q/health/ready").then().statusCode(200);

        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("text/plain")
                .body("over TLS")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .body(equalTo("over TLS"));
        // written by the record writer (BatchWriteItem), read back by the SDK client (GetItem)
        JsonPath record = awaitFinalRecord(id);
        assertEquals("SUCCEEDED", record.getString("status"));

        // an idempotency claim and its replay (PutItem, UpdateItem and GetItem through the SDK client)
        String key = "tls-" + id;
        given().header("Idempotency-Key", key)
                .contentType("text/plain")
                .body("once")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        given().header("Idempotency-Key", key)
                .contentType("text/plain")
                .body("once")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .header("Idempotent-Replayed", "true")
                .body(equalTo("once"));
    }
}
