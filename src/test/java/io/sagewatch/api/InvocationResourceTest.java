package io.sagewatch.api;

import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.modelCallsFor;
import static io.sagewatch.testing.Gateway.modelHeadersFor;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class InvocationResourceTest {

    @Test
    void bodyAndHeadersPassThroughBothWaysUnchanged() {
        byte[] payload = new byte[4096];
        new Random(7).nextBytes(payload);
        String id = newInferenceId();

        Response response = given()
                // exactly this content type on the wire: no charset added by the test client
                .config(RestAssured.config()
                        .encoderConfig(EncoderConfig.encoderConfig()
                                .appendDefaultContentCharsetToContentTypeIfUndefined(false)))
                .contentType("application/x-npy")
                .accept("application/x-npy")
                .header("X-Amzn-SageMaker-Custom-Attributes", "trace=abc")
                .header("X-Amzn-SageMaker-Target-Model", "model-a.tar.gz")
                .header("X-Amzn-SageMaker-Target-Variant", "blue")
                .header("X-Amzn-SageMaker-Target-Container-Hostname", "container-1")
                .header("X-Amzn-SageMaker-Inference-Id", id)
                .body(payload)
                .post("/endpoints/echo/invocations");

        response.then()
                .statusCode(200)
                .contentType("application/x-npy")
                .header("x-Amzn-Invoked-Production-Variant", "blue")
                .header("X-Amzn-SageMaker-Custom-Attributes", "echo:trace=abc")
                .header("X-Sagewatch-Inference-Id", id)
                .header("x-amzn-RequestId", notNullValue());
        assertThat(response.asByteArray()).isEqualTo(payload);

        JsonPath received = modelHeadersFor(id);
        assertEquals("application/x-npy", received.getString("'content-type'"));
        assertEquals("application/x-npy", received.getString("accept"));
        assertEquals("trace=abc", received.getString("'x-amzn-sagemaker-custom-attributes'"));
        assertEquals("model-a.tar.gz", received.getString("'x-amzn-sagemaker-target-model'"));
        assertEquals("blue", received.getString("'x-amzn-sagemaker-target-variant'"));
        assertEquals("container-1", received.getString("'x-amzn-sagemaker-target-container-hostname'"));
        assertEquals(id, received.getString("'x-amzn-sagemaker-inference-id'"));
    }

    @Test
    void inferenceIdIsGeneratedWhenTheClientSendsNone() {
        String id = given().contentType("text/plain")
                .body("hello")
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200)
                .header(
                        "X-Sagewatch-Inference-Id",
                        matchesPattern("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"))
                // tracing is off unless configured: no trace named, none sent upstream, none recorded
                .header("traceresponse", nullValue())
                .header("X-Amzn-Trace-Id", nullValue())
                .extract()
                .header("X-Sagewatch-Inference-Id");
        assertEquals(1, modelCallsFor(id), "the generated id is forwarded to SageMaker too");
        JsonPath record = awaitFinalRecord(id);
        assertEquals("SUCCEEDED", record.getString("status"));
        assertNull(record.getString("trace_id"));
        assertNull(modelHeadersFor(id).getString("traceparent"));
        assertNull(modelHeadersFor(id).getString("'x-amzn-trace-id'"));
    }

    static Stream<Arguments> modelErrors() {
        return Stream.of(
                Arguments.of("error-validation", 400, "ValidationError"),
                Arguments.of("error-model", 424, "ModelError"),
                Arguments.of("error-not-ready", 429, "ModelNotReadyException"),
                Arguments.of("throttled", 400, "ThrottlingException"),
                Arguments.of("error-internal", 500, "InternalFailure"),
                Arguments.of("error-unavailable", 503, "ServiceUnavailable"),
                Arguments.of("error-dependency", 530, "InternalDependencyException"));
    }

    @ParameterizedTest
    @MethodSource("modelErrors")
    void sageMakerErrorsReachTheClientAsSageMakerSentThem(String endpoint, int status, String errorType) {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("application/json")
                .body("{}")
                .post("/endpoints/{name}/invocations", endpoint)
                .then()
                .statusCode(status)
                .contentType("application/json")
                .header("x-amzn-ErrorType", errorType)
                .header("X-Sagewatch-Inference-Id", id);

        JsonPath record = awaitFinalRecord(id);
        assertEquals("FAILED", record.getString("status"));
        assertEquals(errorType, record.getString("error_type"));
        assertEquals(status, record.getInt("http_status"));
    }

    @Test
    void modelErrorKeepsTheOriginalStatusMessageAndLogStream() {
        given().contentType("application/json")
                .body("{}")
                .post("/endpoints/error-model/invocations")
                .then()
                .statusCode(424)
                .header("x-amzn-ErrorType", "ModelError")
                .body("OriginalStatusCode", equalTo(400))
                .body("OriginalMessage", equalTo("bad tensor shape"))
                .body(
                        "LogStreamArn",
                        equalTo("arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/error-model"));
    }

    @Test
    void throttlesAreRetriedWithinTheDeadlineThenRelayed() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("x")
                .post("/endpoints/throttled/invocations")
                .then()
                .statusCode(400)
                .header("x-amzn-ErrorType", "ThrottlingException");
        assertEquals(3, modelCallsFor(id), "one call and two retries (sagewatch.sagemaker.throttle-retries=2)");
        assertEquals(3, awaitFinalRecord(id).getInt("attempts"));

        String recovered = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", recovered)
                .body("x")
                .post("/endpoints/throttled-once/invocations")
                .then()
                .statusCode(200);
        assertEquals(2, modelCallsFor(recovered));
        assertEquals(2, awaitFinalRecord(recovered).getInt("attempts"));
    }

    @Test
    void sageMakersServiceUnavailableIsRetriedAsSafely() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("again")
                .post("/endpoints/unavailable-once/invocations")
                .then()
                .statusCode(200)
                .body(equalTo("again"));
        assertEquals(2, modelCallsFor(id));
        assertEquals(2, awaitFinalRecord(id).getInt("attempts"));
    }

    @Test
    void modelErrorsAreNeverRetried() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("x")
                .post("/endpoints/error-model/invocations")
                .then()
                .statusCode(424);
        assertEquals(1, modelCallsFor(id));
    }

    @Test
    void anAnswerThatIsNotSageMakersIsDescribedNotRelayed() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("x")
                .post("/endpoints/error-unknown/invocations")
                .then()
                .statusCode(530)
                .header("x-amzn-ErrorType", "InternalDependencyException")
                .body("Message", equalTo("SageMaker answered HTTP 502 without an error code"));
        assertEquals("InternalDependencyException", awaitFinalRecord(id).getString("error_type"));
    }

    @Test
    void unknownRoutesAnswerInTheSameShape() {
        given().get("/no/such/route").then().statusCode(404).header("x-amzn-ErrorType", "UnknownOperationException");
    }
}
