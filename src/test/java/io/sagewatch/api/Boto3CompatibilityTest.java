package io.sagewatch.api;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.sagewatch.testing.GatewayTestResource;
import io.sagewatch.testing.PythonScript;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The installed boto3 sagemaker-runtime client, pointed at the gateway: it must see SageMaker. */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class Boto3CompatibilityTest {

    @Test
    void boto3InvokesThroughTheGatewayAndRaisesSageMakersModeledErrors() throws Exception {
        String gateway = "http://127.0.0.1:" + RestAssured.port;
        String output = PythonScript.run("boto3_contract.py", "", gateway);
        JsonNode results = new ObjectMapper().readTree(output);

        JsonNode success = results.get("success");
        assertEquals("{\"instances\": [[1.0, 2.0]]}", success.get("body").asText());
        assertEquals("application/json", success.get("content_type").asText());
        assertEquals("blue", success.get("variant").asText());
        assertEquals("echo:trace=boto3", success.get("custom_attributes").asText());
        assertEquals(200, success.get("status").asInt());
        assertNotNull(success.get("request_id").textValue(), "x-amzn-RequestId reaches boto3's ResponseMetadata");
        assertEquals(
                "SUCCEEDED",
                awaitFinalRecord(success.get("inference_id").asText()).getString("status"));

        JsonNode model = results.get("error-model");
        assertEquals("ModelError", model.get("raised").asText());
        assertEquals(424, model.get("status").asInt());
        assertEquals(400, model.get("original_status").asInt());
        assertEquals("bad tensor shape", model.get("original_message").asText());
        assertEquals(
                "arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/error-model",
                model.get("log_stream_arn").asText());

        assertModeled(results, "error-validation", "ValidationError", 400);
        assertModeled(results, "other-model", "ValidationError", 400);
        assertModeled(results, "error-not-ready", "ModelNotReadyException", 429);
        assertModeled(results, "error-internal", "InternalFailure", 500);
        assertModeled(results, "error-unavailable", "ServiceUnavailable", 503);
        assertModeled(results, "error-dependency", "InternalDependencyException", 530);

        JsonNode throttled = results.get("throttled");
        assertEquals("ClientError", throttled.get("raised").asText());
        assertEquals("ThrottlingException", throttled.get("code").asText());
        assertEquals(400, throttled.get("status").asInt());

        given().get("/q/health/live").then().statusCode(200);
    }

    private static void assertModeled(JsonNode results, String endpoint, String exception, int status) {
        JsonNode result = results.get(endpoint);
        assertEquals(exception, result.get("raised").asText(), endpoint + ": " + result);
        assertEquals(exception, result.get("code").asText(), endpoint);
        assertEquals(status, result.get("status").asInt(), endpoint);
    }
}
