package io.sagewatch.datacapture;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.sagewatch.testing.GatewayTestResource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data Capture end to end: inferences through the gateway, the files read back from moto's S3 with boto3 and checked
 * line by line against SageMaker Data Capture's documented schema and layout, their ids equal to the records'; the
 * sampling percentage per endpoint; an S3 outage, during which the files wait and after which they land.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
@WithTestResource(CaptureBucket.class)
@TestProfile(DataCaptureTest.Captured.class)
class DataCaptureTest {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final Pattern KEY = Pattern.compile(
            "datacapture/(echo|stream-raw)/AllTraffic/\\d{4}/\\d{2}/\\d{2}/\\d{2}/\\d{2}-\\d{2}-\\d{3}-[0-9a-f-]{36}\\.jsonl");

    public static class Captured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "sagewatch.endpoints.allowed", "echo,stream-raw,unsampled",
                    "sagewatch.data-capture.flush-interval", "1s",
                    "sagewatch.endpoint.unsampled.data-capture.sampling-percentage", "0");
        }
    }

    @Test
    void capturedInferencesAreDataCaptureLinesInSageMakersLayout() throws Exception {
        String run = Long.toString(System.nanoTime(), 36);
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String csvId = invoke("echo", "text/csv", "5.1,3.5,1.4\n".getBytes(StandardCharsets.UTF_8), run + "-csv");
        String jsonId = invoke(
                "echo", "application/json; charset=utf-8", ("{\"run\":\"" + run + "\",\"x\":[1,2]}").getBytes(), null);
        byte[] binary = {0, 1, 2, (byte) 0xff, 'p', 'n', 'g'};
        String binaryId = invoke("echo", "application/x-image", binary, run + "-bin");
        invoke("unsampled", "text/csv", "1,2".getBytes(StandardCharsets.UTF_8), run + "-unsampled");
        given().contentType("application/json")
                .header("X-Amzn-SageMaker-Inference-Id", run + "-stream")
                .body("{\"parts\": 3}")
                .post("/endpoints/stream-raw/invocations-response-stream")
                .then()
                .statusCode(200);

        Map<String, JsonNode> lines = awaitLines(run, 4);
        for (String key : CaptureBucket.files().keySet()) {
            assertThat(key).matches(KEY);
        }
        JsonNode csv = lines.get(run + "-csv");
        assertSchema(csv);
        assertThat(csv.at("/captureData/endpointInput/encoding").asText()).isEqualTo("CSV");
        assertThat(csv.at("/captureData/endpointInput/data").asText()).isEqualTo("5.1,3.5,1.4\n");
        assertThat(csv.at("/captureData/endpointOutput/data").asText()).isEqualTo("5.1,3.5,1.4\n");
        // as the client sent it (RestAssured adds a charset); the encoding is chosen by the media type alone
        assertThat(csv.at("/captureData/endpointInput/observedContentType").asText())
                .startsWith("text/csv");
        assertThat(csv.at("/eventMetadata/inferenceId").asText()).isEqualTo(run + "-csv");
        assertThat(csv.at("/eventMetadata/eventId").asText()).isEqualTo(requestId(csvId));
        assertThat(Instant.parse(csv.at("/eventMetadata/inferenceTime").asText()))
                .isBetween(before, Instant.now());

        JsonNode json = lines.get("json");
        assertSchema(json);
        assertThat(json.at("/captureData/endpointInput/encoding").asText()).isEqualTo("JSON");
        assertThat(json.at("/captureData/endpointInput/observedContentType").asText())
                .isEqualTo("application/json; charset=utf-8");
        assertThat(json.at("/eventMetadata").has("inferenceId"))
                .as("no inferenceId unless the caller gave one")
                .isFalse();
        assertThat(json.at("/eventMetadata/eventId").asText()).isEqualTo(requestId(jsonId));

        JsonNode image = lines.get(run + "-bin");
        assertSchema(image);
        assertThat(image.at("/captureData/endpointOutput/encoding").asText()).isEqualTo("BASE64");
        assertThat(Base64.getDecoder()
                        .decode(image.at("/captureData/endpointOutput/data").asText()))
                .isEqualTo(binary);
        assertThat(image.at("/eventMetadata/eventId").asText()).isEqualTo(requestId(binaryId));

        // a stream, captured whole once it ended
        JsonNode stream = lines.get(run + "-stream");
        assertSchema(stream);
        assertThat(new String(Base64.getDecoder()
                        .decode(stream.at("/captureData/endpointOutput/data").asText())))
                .isEqualTo("part-1;part-2;part-3;");
        assertThat(lines).doesNotContainKey(run + "-unsampled");
    }

    @Test
    void anS3OutageDelaysTheFilesAndLosesNone() throws Exception {
        String run = Long.toString(System.nanoTime(), 36);
        CaptureBucket.down();
        try {
            for (int i = 0; i < 3; i++) {
                invoke("echo", "text/csv", ("outage," + i).getBytes(StandardCharsets.UTF_8), run + "-" + i);
            }
            Awaitility.await()
                    .atMost(WAIT)
                    .until(() -> given().get("/q/metrics")
                            .then()
                            .extract()
                            .asString()
                            .contains("DataCaptureWriteFailures_total{endpoint=\"echo\""));
        } finally {
            CaptureBucket.up(); // a new, empty S3 with the bucket: what was waiting lands now
        }
        Map<String, JsonNode> lines = awaitLines(run, 3);
        assertThat(lines.keySet()).containsExactlyInAnyOrder(run + "-0", run + "-1", run + "-2");
    }

    private static void assertSchema(JsonNode line) {
        assertThat(fieldNames(line)).containsExactly("captureData", "eventMetadata", "eventVersion");
        assertThat(line.path("eventVersion").asText()).isEqualTo("0");
        assertThat(fieldNames(line.path("captureData"))).containsExactly("endpointInput", "endpointOutput");
        for (String side : List.of("endpointInput", "endpointOutput")) {
            JsonNode capture = line.path("captureData").path(side);
            assertThat(fieldNames(capture)).containsExactly("observedContentType", "mode", "data", "encoding");
            assertThat(capture.path("mode").asText()).isEqualTo(side.equals("endpointInput") ? "INPUT" : "OUTPUT");
            assertThat(capture.path("encoding").asText()).isIn("CSV", "JSON", "BASE64");
        }
        assertThat(line.at("/eventMetadata/inferenceTime").asText())
                .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Invokes an endpoint; returns the inference id the gateway answered with. */
    private static String invoke(String endpoint, String type, byte[] body, String inferenceId) {
        var request = given().contentType(type).body(body);
        if (inferenceId != null) {
            request = request.header("X-Amzn-SageMaker-Inference-Id", inferenceId);
        }
        return request.post("/endpoints/" + endpoint + "/invocations")
                .then()
                .statusCode(200)
                .extract()
                .header("X-Sagewatch-Inference-Id");
    }

    private static String requestId(String inferenceId) {
        return given().get("/inferences/" + inferenceId)
                .then()
                .statusCode(200)
                .extract()
                .path("request_id");
    }

    /** This run's capture lines by inference id (the JSON one, which has none, as "json"), once there are this many. */
    private static Map<String, JsonNode> awaitLines(String run, int count) {
        Map<String, JsonNode> found = new java.util.TreeMap<>();
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
            found.clear();
            for (List<JsonNode> file : CaptureBucket.files().values()) {
                for (JsonNode line : file) {
                    String id = line.at("/eventMetadata/inferenceId").asText("");
                    if (id.startsWith(run)) {
                        found.put(id, line);
                    } else if (line.at("/captureData/endpointInput/data")
                            .asText()
                            .contains(run)) {
                        found.put("json", line);
                    }
                }
            }
            return found.size() >= count;
        });
        return found;
    }
}
