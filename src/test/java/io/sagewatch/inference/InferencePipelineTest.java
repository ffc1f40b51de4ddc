package io.sagewatch.inference;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class InferencePipelineTest {

    /**
     * The table gate holds this inference's in-progress write until the model call arrives, and the model answers only
     * while that write is held (see Rendezvous): only a pipeline running both at once gets a 200.
     */
    @Test
    void modelCallAndRecordWriteRunAtTheSameTime() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("text/plain")
                .body("together")
                .post("/endpoints/rendezvous/invocations")
                .then()
                .statusCode(200);
        assertEquals("SUCCEEDED", awaitFinalRecord(id).getString("status"));
    }

    @Test
    void modelLatencyIsMeasuredApartFromGatewayOverhead() {
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("x")
                .post("/endpoints/slow/invocations")
                .then()
                .statusCode(200);
        JsonPath record = awaitFinalRecord(id);
        // the fake sleeps 300 ms before answering: that time is the model's, not the gateway's
        assertThat(record.getDouble("model_latency_ms")).isGreaterThanOrEqualTo(300.0);
        assertThat(record.getDouble("overhead_latency_ms")).isLessThan(record.getDouble("model_latency_ms"));
    }

    @Test
    @DisabledIfSystemProperty(
            named = "sagewatch-test.build",
            matches = "lambda",
            disabledReason = "API Gateway holds the connection on Lambda: there is no client disconnect to see")
    void aClientThatDisconnectsLeavesARecordThatSaysSo() throws Exception {
        String id = newInferenceId();
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /endpoints/hung/invocations HTTP/1.1\r\nHost: localhost\r\n"
                            + "X-Amzn-SageMaker-Inference-Id: " + id + "\r\nContent-Type: text/plain\r\n"
                            + "Content-Length: 5\r\n\r\nhello")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // wait (bounded) until the gateway has accepted it: the in-progress record is there
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> given().get("/inferences/{id}", id).statusCode() == 200);
            assertEquals(
                    "IN_PROGRESS",
                    given().get("/inferences/{id}", id).jsonPath().getString("status"));
        }
        JsonPath record = awaitFinalRecord(id);
        assertEquals("FAILED", record.getString("status"));
        assertEquals("ClientDisconnected", record.getString("error_type"));
        assertEquals(499, record.getInt("http_status"));
    }
}
