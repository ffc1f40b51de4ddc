package io.sagewatch.dev;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.testing.FreePort;
import io.sagewatch.testing.PythonScript;
import io.vertx.core.Vertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The demo models, called with the installed boto3 client: proof that they speak the SageMaker runtime protocol. */
class DemoModelServerTest {

    static Vertx vertx;
    static DemoModelServer server;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        server = DemoModelServer.start(vertx, FreePort.next());
    }

    @AfterAll
    static void stop() {
        server.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static JsonNode invoke(String endpoint, String contentType, String body) throws Exception {
        JsonNode response = boto3(endpoint, contentType, body);
        if (response.has("raised")) {
            throw new ModeledError(
                    response.get("raised").asText(),
                    response.path("original_status").asInt());
        }
        assertEquals("application/json", response.get("content_type").asText());
        assertEquals("AllTraffic", response.get("variant").asText());
        return JSON.readTree(response.get("body").asText());
    }

    /** The modeled exception boto3 raised, by name, with ModelError's OriginalStatusCode. */
    private static final class ModeledError extends Exception {
        final String name;
        final int originalStatus;

        ModeledError(String name, int originalStatus) {
            super(name);
            this.name = name;
            this.originalStatus = originalStatus;
        }
    }

    /** The installed boto3 client calls the demo model (src/test/python/invoke_endpoint.py). */
    private static JsonNode boto3(String endpoint, String contentType, String body) throws Exception {
        String output = PythonScript.run(
                "invoke_endpoint.py", body, "http://127.0.0.1:" + server.port(), endpoint, contentType);
        return JSON.readTree(output);
    }

    @Test
    void sentimentScoresPositiveNegativeAndNegatedText() throws Exception {
        JsonNode answer = invoke(
                "demo-sentiment",
                "application/json",
                "{\"inputs\": [\"I love it, really great\", \"terrible and slow\", \"not good at all\"]}");
        assertEquals("POSITIVE", answer.get(0).get("label").asText());
        assertThat(answer.get(0).get("score").asDouble()).isGreaterThan(0.9);
        assertEquals("NEGATIVE", answer.get(1).get("label").asText());
        assertEquals("NEGATIVE", answer.get(2).get("label").asText());
        assertEquals(
                "POSITIVE",
                invoke("demo-sentiment", "text/plain", "what a wonderful day")
                        .get(0)
                        .get("label")
                        .asText());
    }

    @Test
    void llmReportsTokenUsageInTheOpenAiShape() throws Exception {
        JsonNode answer = invoke(
                "demo-llm",
                "application/json",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"what does the gateway record ?\"}], \"max_tokens\": 12}");
        JsonNode usage = answer.get("usage");
        assertEquals(6, usage.get("prompt_tokens").asInt());
        int completion = usage.get("completion_tokens").asInt();
        assertThat(completion).isBetween(1, 12);
        assertEquals(6 + completion, usage.get("total_tokens").asInt());
        String content =
                answer.get("choices").get(0).get("message").get("content").asText();
        assertEquals(completion, TextGenerationModel.tokens(content).size());
        assertThat(answer.get("created").asLong()).isPositive();
        // deterministic for the same prompt, but for when it was created (a timestamp, as OpenAI's)
        JsonNode again = invoke(
                "demo-llm",
                "application/json",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"what does the gateway record ?\"}], \"max_tokens\": 12}");
        ((com.fasterxml.jackson.databind.node.ObjectNode) answer).remove("created");
        ((com.fasterxml.jackson.databind.node.ObjectNode) again).remove("created");
        assertEquals(answer, again);
    }

    @Test
    void llmReportsGeneratedTokensInTheTgiShape() throws Exception {
        JsonNode answer = invoke(
                "demo-llm", "application/json", "{\"inputs\": \"the model\", \"parameters\": {\"max_new_tokens\": 5}}");
        JsonNode details = answer.get(0).get("details");
        assertEquals(5, details.get("generated_tokens").asInt());
        assertEquals("length", details.get("finish_reason").asText());
    }

    @Test
    void llmStreamsTheSameAnswerTokenByTokenToBoto3() throws Exception {
        String request = "{\"inputs\": \"the model\", \"parameters\": {\"max_new_tokens\": 6}}";
        String whole = invoke("demo-llm", "application/json", request)
                .get(0)
                .get("generated_text")
                .asText();
        String calls = JSON.createArrayNode()
                .add(JSON.createObjectNode().put("endpoint", "demo-llm").put("body", request))
                .toString();
        JsonNode streamed = JSON.readTree(
                        PythonScript.run("boto3_stream.py", calls, "http://127.0.0.1:" + server.port()))
                .get(0);
        assertEquals("text/event-stream", streamed.get("content_type").asText(), streamed.toString());
        StringBuilder text = new StringBuilder();
        JsonNode last = null;
        for (JsonNode part : streamed.get("parts")) {
            String event = new String(
                    java.util.Base64.getDecoder().decode(part.asText()), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(event).startsWith("data:").endsWith("\n\n");
            last = JSON.readTree(event.substring("data:".length()));
            text.append(last.get("token").get("text").asText());
        }
        assertEquals(6, streamed.get("parts").size(), "one part per token");
        assertEquals(whole, text.toString());
        assertEquals(6, last.get("details").get("generated_tokens").asInt());
    }

    @Test
    void badInputIsAModelErrorAndUnknownEndpointsAValidationError() {
        assertThatThrownBy(() -> invoke("demo-llm", "application/json", "{\"prompt\": 1}"))
                .isInstanceOfSatisfying(ModeledError.class, e -> {
                    assertEquals("ModelError", e.name);
                    assertEquals(400, e.originalStatus);
                });
        assertThatThrownBy(() -> invoke("demo-nothing", "text/plain", "x"))
                .isInstanceOfSatisfying(ModeledError.class, e -> assertEquals("ValidationError", e.name));
    }
}
