package io.sagewatch.sagemaker;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagewatch.aws.RequestSigner;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.botocoreSignatureCheck;
import static io.sagewatch.testing.Gateway.modelAuthority;
import static io.sagewatch.testing.Gateway.modelRequestFor;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The signed pass-through: what reaches SageMaker must carry a SigV4 signature AWS accepts. Checked against botocore's
 * signer (an independent implementation) over the request exactly as the model fake received it.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class SageMakerRuntimeClientTest {

    @Test
    void everyRequestHeaderIsSignedAndBotocoreComputesTheSameSignature() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .header("X-Amzn-SageMaker-Custom-Attributes", "trace=a b;c=\"d\"")
                .header("X-Amzn-SageMaker-Target-Variant", "blue")
                .header("X-Amzn-SageMaker-Session-Id", "NEW_SESSION")
                .header("Accept", "application/json")
                .contentType("application/json")
                .body("{\"inputs\": \"ünïcode ✓\"}".getBytes(StandardCharsets.UTF_8))
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);

        JsonPath check = botocore(modelRequestFor(id));
        assertTrue(check.getBoolean("signature_matches"), "botocore disagrees: " + check.prettify());
        assertThat(check.getList("scope", String.class)).containsExactly("us-east-1", "sagemaker", "aws4_request");
        assertThat(check.getList("signed_headers", String.class))
                .contains(
                        "host",
                        "x-amz-date",
                        "content-type",
                        "accept",
                        "x-amzn-sagemaker-custom-attributes",
                        "x-amzn-sagemaker-target-variant",
                        "x-amzn-sagemaker-session-id",
                        "x-amzn-sagemaker-inference-id");
    }

    @Test
    void aBinaryBodyIsSignedAndPassedThroughByteForByte() {
        String id = newInferenceId();
        byte[] body = new byte[70_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        byte[] answered = given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("application/octet-stream")
                .body(body)
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .extract()
                .asByteArray();
        assertThat(answered).isEqualTo(body);
        assertTrue(botocore(modelRequestFor(id)).getBoolean("signature_matches"));
    }

    @Test
    void sageMakersErrorAnswersAreReadAsTheSdkReadsThem() {
        InferenceError model = SageMakerRuntimeClient.error(
                424,
                "ModelError:http://internal.amazon.com/coral/x/",
                "{\"Message\":\"m\",\"OriginalStatusCode\":400,\"OriginalMessage\":\"o\",\"LogStreamArn\":\"a\"}"
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals("ModelError", model.code());
        assertEquals(424, model.status());
        assertEquals(400, model.originalStatusCode());
        assertEquals("o", model.originalMessage());
        assertEquals("a", model.logStreamArn());
        assertEquals("m", model.getMessage());

        InferenceError typeInBody = SageMakerRuntimeClient.error(
                400,
                null,
                "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"bad\"}"
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals("ValidationException", typeInBody.code());
        assertEquals("bad", typeInBody.getMessage());

        // an endpoint's OpenAI route relays the container's own errors: the model's, whatever their shape
        InferenceError vllm = SageMakerRuntimeClient.error(
                400,
                null,
                "{\"object\":\"error\",\"message\":\"context too long\",\"type\":\"BadRequestError\",\"code\":400}"
                        .getBytes(StandardCharsets.UTF_8),
                true);
        assertEquals("ModelError", vllm.code());
        assertEquals(400, vllm.originalStatusCode());
        assertEquals("context too long", vllm.originalMessage());
        // the same shape from InvokeEndpoint's path is no model's word: a proxy's, described, not relayed
        InferenceError proxy = SageMakerRuntimeClient.error(
                503, null, "{\"error\":{\"message\":\"overloaded\"}}".getBytes(StandardCharsets.UTF_8));
        assertEquals("InternalDependencyException", proxy.code());
        InferenceError html = SageMakerRuntimeClient.error(502, null, "<html>".getBytes(StandardCharsets.UTF_8));
        assertTrue(html.is(ErrorType.INTERNAL_DEPENDENCY));
        assertNull(html.rawBody(), "a non-protocol answer is described, not relayed");
    }

    @Test
    void theDefaultEndpointFollowsTheRegionsPartition() {
        assertEquals(
                URI.create("https://runtime.sagemaker.eu-west-1.amazonaws.com"),
                RequestSigner.endpoint("runtime.sagemaker", "eu-west-1"));
        assertEquals(
                URI.create("https://runtime.sagemaker.cn-north-1.amazonaws.com.cn"),
                RequestSigner.endpoint("runtime.sagemaker", "cn-north-1"));
    }

    private static JsonPath botocore(String capturedRequest) {
        return botocoreSignatureCheck(capturedRequest, modelAuthority(), "sagemaker");
    }
}
