package io.sagewatch.records;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.sagewatch.testing.CapturedLog;
import io.sagewatch.testing.GatewayTestResource;

import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static io.sagewatch.testing.Gateway.finalWritesFor;
import static io.sagewatch.testing.Gateway.newInferenceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class InferenceRecordStoreTest {

    @Inject
    DynamoDbAsyncClient dynamo;

    @Test
    void theTableIsCreatedWithItsIndexAndTtl() {
        TableDescription table = dynamo.describeTable(b -> b.tableName("sagewatch-inferences"))
                .join()
                .table();
        assertEquals("inference_id", table.keySchema().get(0).attributeName());
        assertEquals("request_id", table.keySchema().get(1).attributeName());
        assertEquals("by-endpoint", table.globalSecondaryIndexes().get(0).indexName());
        assertEquals(
                List.of("endpoint", "received_at"),
                table.globalSecondaryIndexes().get(0).keySchema().stream()
                        .map(k -> k.attributeName())
                        .toList());
        var ttl = dynamo.describeTimeToLive(b -> b.tableName("sagewatch-inferences"))
                .join()
                .timeToLiveDescription();
        assertEquals(TimeToLiveStatus.ENABLED, ttl.timeToLiveStatus());
        assertEquals("expires_at", ttl.attributeName());
    }

    @Test
    void aFailedRecordWriteIsRetriedWhileTheInferenceAnswers() {
        String id = newInferenceId();
        // the gate fails the first two final writes of every table-flaky inference with HTTP 500
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .body("x")
                .post("/endpoints/table-flaky/invocations")
                .then()
                .statusCode(200);
        assertEquals("SUCCEEDED", awaitFinalRecord(id).getString("status"));
        assertThat(finalWritesFor(id)).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aRecordTheTableWillNotTakeIsDeadLetteredToTheLog() throws Exception {
        String id = newInferenceId();
        try (CapturedLog deadLetters = CapturedLog.of(DeadLetterLog.CATEGORY)) {
            given().header("X-Amzn-SageMaker-Inference-Id", id)
                    .contentType("text/plain")
                    .body("precious")
                    .post("/endpoints/table-down/invocations")
                    .then()
                    .statusCode(200);

            await().atMost(Duration.ofSeconds(60))
                    .until(() -> deadLetters.messages().stream().anyMatch(line -> line.contains(id)));
            String line = deadLetters.messages().stream()
                    .filter(l -> l.contains(id))
                    .findFirst()
                    .orElseThrow();
            JsonNode json = new ObjectMapper().readTree(line);
            assertEquals("inference_record", json.path("dead_letter").asText());
            assertEquals("sagewatch-inferences", json.path("table").asText());
            assertEquals(id, json.path("record").path("inference_id").asText());
            assertEquals("SUCCEEDED", json.path("record").path("status").asText());
            assertEquals(8, json.path("record").path("request_bytes").asInt());
            assertTrue(json.path("record").path("input").isMissingNode(), "no payload in the logs");
            assertThat(line).doesNotContain("precious");
            assertEquals(
                    1,
                    deadLetters.messages().stream().filter(l -> l.contains(id)).count(),
                    "one line per record, not one per attempt");
        }
        given().get("/inferences/{id}", id).then().statusCode(404);
    }

    @Inject
    InferenceRecordStore store;

    @Test
    void aStoppingInstanceDeadLettersTheRecordsItCouldNotFinishWriting() throws Exception {
        String id = newInferenceId();
        try (CapturedLog deadLetters = CapturedLog.of(DeadLetterLog.CATEGORY)) {
            // the gate holds table-slow's final write for 3 s: it is still under way when the drain starts
            given().header("X-Amzn-SageMaker-Inference-Id", id)
                    .body("x")
                    .post("/endpoints/table-slow/invocations")
                    .then()
                    .statusCode(200);
            assertThat(store.drain(Duration.ofMillis(100))).isGreaterThanOrEqualTo(1);
            String line = deadLetters.messages().stream()
                    .filter(l -> l.contains(id))
                    .findFirst()
                    .orElseThrow();
            assertThat(line).contains("shutting down before the record was written");
            assertEquals(
                    id,
                    new ObjectMapper()
                            .readTree(line)
                            .path("record")
                            .path("inference_id")
                            .asText());
        }
        // the write that was under way still lands: the record is in the table and in the log, never in neither
        assertEquals("SUCCEEDED", awaitFinalRecord(id).getString("status"));
    }

    @Test
    void capturedPayloadsAreCappedAndFlagged() {
        String text = "é".repeat(1500); // 3000 bytes of UTF-8; the test cap is 1024 bytes
        String id = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", id)
                .contentType("text/plain; charset=utf-8")
                .body(text.getBytes(StandardCharsets.UTF_8))
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        JsonPath record = awaitFinalRecord(id);
        assertEquals("utf-8", record.getString("input.encoding"));
        assertTrue(record.getBoolean("input.truncated"));
        assertEquals(3000, record.getLong("input.bytes"));
        assertEquals("é".repeat(512), record.getString("input.data"), "cut on a character boundary");

        byte[] binary = {0, (byte) 0xff, 1, (byte) 0xfe, 2};
        String binaryId = newInferenceId();
        given().header("X-Amzn-SageMaker-Inference-Id", binaryId)
                .contentType("application/x-image")
                .body(binary)
                .post("/endpoints/echo/invocations")
                .then()
                .statusCode(200);
        JsonPath binaryRecord = awaitFinalRecord(binaryId);
        assertEquals("base64", binaryRecord.getString("output.encoding"));
        assertEquals(Base64.getEncoder().encodeToString(binary), binaryRecord.getString("output.data"));
        assertEquals(false, binaryRecord.getBoolean("output.truncated"));
    }
}
