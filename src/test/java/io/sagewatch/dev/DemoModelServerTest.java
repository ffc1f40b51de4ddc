package io.sagewatch.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.Vertx;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeAsyncClient;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointResponse;
import software.amazon.awssdk.services.sagemakerruntime.model.ModelErrorException;
import software.amazon.awssdk.services.sagemakerruntime.model.ValidationErrorException;

/** The demo models, called with the real AWS SDK: proof that they speak the SageMaker runtime protocol. */
class DemoModelServerTest {

    static Vertx vertx;
    static DemoModelServer server;
    static SageMakerRuntimeAsyncClient client;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        server = DemoModelServer.start(vertx, port);
        client = SageMakerRuntimeAsyncClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("demo", "demo")))
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static JsonNode invoke(String endpoint, String contentType, String body) throws Exception {
        InvokeEndpointResponse response = client.invokeEndpoint(b -> b.endpointName(endpoint)
                .contentType(contentType).body(SdkBytes.fromUtf8String(body))).join();
        assertEquals("application/json", response.contentType());
        assertEquals("AllTraffic", response.invokedProductionVariant());
        return JSON.readTree(response.body().asUtf8String());
    }

    @Test
    void sentimentScoresPositiveNegativeAndNegatedText() throws Exception {
        JsonNode answer = invoke("demo-sentiment", "application/json",
                "{\"inputs\": [\"I love it, really great\", \"terrible and slow\", \"not good at all\"]}");
        assertEquals("POSITIVE", answer.get(0).get("label").asText());
        assertThat(answer.get(0).get("score").asDouble()).isGreaterThan(0.9);
        assertEquals("NEGATIVE", answer.get(1).get("label").asText());
        assertEquals("NEGATIVE", answer.get(2).get("label").asText());
        assertEquals("POSITIVE", invoke("demo-sentiment", "text/plain", "what a wonderful day").get(0)
                .get("label").asText());
    }

    @Test
    void llmReportsTokenUsageInTheOpenAiShape() throws Exception {
        JsonNode answer = invoke("demo-llm", "application/json",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"what does the gateway record ?\"}], \"max_tokens\": 12}");
        JsonNode usage = answer.get("usage");
        assertEquals(6, usage.get("prompt_tokens").asInt());
        int completion = usage.get("completion_tokens").asInt();
        assertThat(completion).isBetween(1, 12);
        assertEquals(6 + completion, usage.get("total_tokens").asInt());
        String content = answer.get("choices").get(0).get("message").get("content").asText();
        assertEquals(completion, TextGenerationModel.tokens(content).size());
        // deterministic for the same prompt
        assertEquals(answer, invoke("demo-llm", "application/json",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"what does the gateway record ?\"}], \"max_tokens\": 12}"));
    }

    @Test
    void llmReportsGeneratedTokensInTheTgiShape() throws Exception {
        JsonNode answer = invoke("demo-llm", "application/json",
                "{\"inputs\": \"the model\", \"parameters\": {\"max_new_tokens\": 5}}");
        JsonNode details = answer.get(0).get("details");
        assertEquals(5, details.get("generated_tokens").asInt());
        assertEquals("length", details.get("finish_reason").asText());
    }

    @Test
    void badInputIsAModelErrorAndUnknownEndpointsAValidationError() {
        assertThatThrownBy(() -> invoke("demo-llm", "application/json", "{\"prompt\": 1}"))
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(ModelErrorException.class,
                        e -> assertEquals(400, e.originalStatusCode()));
        assertThatThrownBy(() -> invoke("demo-nothing", "text/plain", "x"))
                .cause().isInstanceOf(ValidationErrorException.class);
    }
}
