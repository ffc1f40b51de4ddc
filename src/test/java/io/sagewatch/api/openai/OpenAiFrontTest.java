package io.sagewatch.api.openai;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.sagewatch.testing.Gateway;
import io.sagewatch.testing.GatewayTestResource;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;

import static io.restassured.RestAssured.given;
import static io.sagewatch.testing.Gateway.awaitFinalRecord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The OpenAI front through real OpenAI clients (OpenAI's Java SDK, LangChain4j), against SageMaker-protocol fakes of
 * each container protocol and DynamoDB Local: what the clients get, what the model was sent, what was recorded.
 */
@QuarkusTest
@WithTestResource(GatewayTestResource.class)
class OpenAiFrontTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenAIClient client;

    static String base() {
        return "http://127.0.0.1:" + RestAssured.port;
    }

    @BeforeEach
    void client() {
        client = OpenAIOkHttpClient.builder()
                .baseUrl(base() + "/v1")
                .apiKey("unused-keys-are-off")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(20))
                .build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    private static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage("Say hello")
                .build();
    }

    @Test
    void aChatCompletionIsAnsweredRecordedAndPriced() {
        HttpResponseFor<ChatCompletion> raw =
                client.chat().completions().withRawResponse().create(chat("chat"));
        ChatCompletion completion = raw.parse();
        assertEquals(
                "Hello from fake",
                completion.choices().get(0).message().content().orElseThrow());
        assertEquals(9, completion.usage().orElseThrow().promptTokens());
        String id = raw.headers().values("x-request-id").get(0);

        JsonPath record = awaitFinalRecord(id);
        assertEquals("SUCCEEDED", record.getString("status"));
        assertEquals("openai", record.getString("front"));
        assertEquals("chat", record.getString("model"));
        assertEquals("llm-messages", record.getString("endpoint"));
        assertEquals(9, record.getInt("input_tokens"));
        assertEquals(3, record.getInt("output_tokens"));
        assertEquals("stop", record.getString("finish_reason"));
        assertThat(record.getDouble("estimated_cost_usd"))
                .isCloseTo(0.009 + 0.006, org.assertj.core.data.Offset.offset(1e-9));
        // the messages protocol: the client's body, as it came, through InvokeEndpoint
        JsonNode sent = sentBody(id);
        assertEquals("chat", sent.path("model").asText());
        assertEquals("Say hello", sent.path("messages").path(0).path("content").asText());
        assertThat(Gateway.modelRequestFor(id)).contains("\"path\":\"/endpoints/llm-messages/invocations\"");
    }

    @Test
    void theMetersCountEachModelBesideItsEndpoint() {
        java.util.Map<String, String> chat = java.util.Map.of("endpoint", "llm-messages", "model", "chat");
        double invocations = Gateway.scraped("InvocationsPerModel_total", chat);
        double tokens = Gateway.scraped("InputTokensPerModel_total", chat);
        double endpointInvocations = Gateway.scraped("Invocations_total", java.util.Map.of("endpoint", "llm-messages"));
        client.chat().completions().create(chat("chat"));
        client.chat().completions().create(chat("chat"));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertEquals(invocations + 2, Gateway.scraped("InvocationsPerModel_total", chat)));
        assertEquals(tokens + 18, Gateway.scraped("InputTokensPerModel_total", chat));
        assertEquals(
                endpointInvocations + 2,
                Gateway.scraped("Invocations_total", java.util.Map.of("endpoint", "llm-messages")));
    }

    @Test
    void aStreamedChatArrivesChunkByChunkWithTheUsageAsked() {
        ChatCompletionCreateParams params = chat("chat").toBuilder()
                .streamOptions(
                        ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        String id;
        HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw =
                client.chat().completions().withRawResponse().createStreaming(params);
        id = raw.headers().values("x-request-id").get(0);
        try (StreamResponse<ChatCompletionChunk> stream = raw.parse()) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
            });
        }
        assertEquals("Hello from fake", text.toString());
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertEquals(3, last.usage().orElseThrow().completionTokens());
        assertThat(chunks.stream().filter(c -> c.usage().isPresent())).hasSize(1);

        JsonPath record = awaitFinalRecord(id);
        assertEquals("openai", record.getString("front"));
        assertEquals(3, record.getInt("output_tokens"));
        assertEquals(9, record.getInt("input_tokens"));
        assertEquals("stop", record.getString("finish_reason"));
        assertThat(record.getDouble("time_to_first_token_ms")).isPositive();
        assertThat(record.getInt("parts")).isGreaterThan(1);
    }

    @Test
    void aStreamWithoutUsageAskedCarriesNoneAndTheRecordCountsTokens() {
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream =
                client.chat().completions().createStreaming(chat("chat"))) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
            });
        }
        assertEquals("Hello from fake", text.toString());
        assertThat(chunks).allMatch(chunk -> chunk.usage().isEmpty());
    }

    @Test
    void aStreamIsNotBufferedTheFirstChunkArrivesWhileTheModelHoldsTheRest() throws Exception {
        assumeFalse(Gateway.isLambdaBuild(), "through API Gateway a stream is answered whole");
        HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw =
                client.chat().completions().withRawResponse().createStreaming(chat("llm-held"));
        String id = raw.headers().values("x-request-id").get(0);
        try (StreamResponse<ChatCompletionChunk> stream = raw.parse()) {
            Iterator<ChatCompletionChunk> chunks = stream.stream().iterator();
            // the fake sends nothing after its first chunk until released: only an unbuffered gateway gets it here
            ChatCompletionChunk first =
                    CompletableFuture.supplyAsync(chunks::next).get(15, TimeUnit.SECONDS);
            assertEquals(
                    "assistant",
                    first.choices().get(0).delta().role().orElseThrow().asString());
            Gateway.releaseStream(id);
            StringBuilder text = new StringBuilder();
            chunks.forEachRemaining(chunk ->
                    chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
            assertEquals("Hello from fake", text.toString());
        }
    }

    @Test
    void aClientThatLeavesMidStreamCancelsTheCallAndIsRecordedSo() throws Exception {
        assumeFalse(Gateway.isLambdaBuild(), "through API Gateway a stream is answered whole");
        HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw =
                client.chat().completions().withRawResponse().createStreaming(chat("llm-held"));
        String id = raw.headers().values("x-request-id").get(0);
        StreamResponse<ChatCompletionChunk> stream = raw.parse();
        Iterator<ChatCompletionChunk> chunks = stream.stream().iterator();
        CompletableFuture.supplyAsync(chunks::next).get(15, TimeUnit.SECONDS);
        stream.close(); // the connection goes, with the model still holding the rest
        try {
            JsonPath record = awaitFinalRecord(id);
            assertEquals("FAILED", record.getString("status"));
            assertEquals("ClientDisconnected", record.getString("error_type"));
            assertEquals("openai", record.getString("front"));
        } finally {
            Gateway.releaseStream(id);
        }
    }

    @Test
    void aModelErrorMidStreamEndsTheStreamWithAnOpenAiErrorEvent() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        assertThatThrownBy(() -> {
                    try (StreamResponse<ChatCompletionChunk> stream =
                            client.chat().completions().createStreaming(chat("llm-broken"))) {
                        stream.stream().forEach(chunks::add);
                    }
                })
                .isInstanceOf(OpenAIException.class)
                .hasMessageContaining("The model crashed mid-stream");
        assertThat(chunks).hasSize(1);
    }

    @Test
    void theInferenceComponentOfAModelIsWhatSageMakerReceivesOnItsOpenAiRoute() {
        HttpResponseFor<ChatCompletion> raw =
                client.chat().completions().withRawResponse().create(chat("chat-ic"));
        assertEquals(
                "Hello from fake",
                raw.parse().choices().get(0).message().content().orElseThrow());
        String id = raw.headers().values("x-request-id").get(0);
        assertEquals("llama-ic-1", Gateway.modelHeadersFor(id).getString("'x-amzn-sagemaker-inference-component'"));
        assertThat(Gateway.modelRequestFor(id))
                .contains("\"path\":\"/endpoints/llm-openai/openai/v1/chat/completions\"");
        assertEquals("llama-ic-1", awaitFinalRecord(id).getString("inference_component"));
    }

    @Test
    void sageMakersOwnOpenAiPathNeedsOnlyAnotherHost() {
        OpenAIClient sagemakerStyle = OpenAIOkHttpClient.builder()
                .baseUrl(base() + "/endpoints/llm-openai/openai/v1")
                .apiKey("unused")
                .maxRetries(0)
                .build();
        try {
            StringBuilder text = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> stream =
                    sagemakerStyle.chat().completions().createStreaming(chat("anything"))) {
                stream.stream()
                        .forEach(chunk -> chunk.choices()
                                .forEach(choice -> choice.delta().content().ifPresent(text::append)));
            }
            assertEquals("Hello from fake", text.toString());
            assertEquals(
                    "Hello from fake",
                    sagemakerStyle
                            .chat()
                            .completions()
                            .create(chat("anything"))
                            .choices()
                            .get(0)
                            .message()
                            .content()
                            .orElseThrow());
        } finally {
            sagemakerStyle.close();
        }
    }

    @Test
    void completionsGoToAGenerateContainerAsInputsAndParameters() {
        HttpResponseFor<Completion> raw = client.completions()
                .withRawResponse()
                .create(CompletionCreateParams.builder()
                        .model("writer")
                        .prompt("Hello")
                        .maxTokens(2)
                        .temperature(0.0)
                        .build());
        Completion completion = raw.parse();
        assertEquals(" world", completion.choices().get(0).text());
        assertThat(completion.id()).startsWith("cmpl-");
        assertEquals("length", completion.choices().get(0).finishReason().asString());
        assertEquals(2, completion.usage().orElseThrow().completionTokens());
        String id = raw.headers().values("x-request-id").get(0);
        JsonNode sent = sentBody(id);
        assertEquals("Hello", sent.path("inputs").asText());
        assertEquals(2, sent.path("parameters").path("max_new_tokens").asInt());
        assertEquals(false, sent.path("parameters").path("do_sample").asBoolean(true));
        assertEquals("length", awaitFinalRecord(id).getString("finish_reason"));
    }

    @Test
    void aStreamedCompletionFromTgiTokensGetsTheGatewaysUsageChunk() {
        var params = CompletionCreateParams.builder()
                .model("writer")
                .prompt("Hello")
                .streamOptions(
                        ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();
        StringBuilder text = new StringBuilder();
        List<Completion> chunks = new ArrayList<>();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(choice -> text.append(choice.text()));
            });
        }
        assertEquals(" world", text.toString(), "the special end token is not text");
        Completion last = chunks.get(chunks.size() - 1);
        assertEquals(
                3, last.usage().orElseThrow().completionTokens(), "TGI's generated_tokens, counted by the gateway");
        assertThat(chunks.stream()
                        .flatMap(c -> c.choices().stream())
                        .filter(c -> c._finishReason()
                                .asKnown()
                                .map(reason -> reason.asString().equals("stop"))
                                .orElse(false)))
                .hasSize(1);
    }

    @Test
    void embeddingsComeFromATeiContainerAsOpenAiVectors() {
        for (EmbeddingCreateParams.EncodingFormat format :
                List.of(EmbeddingCreateParams.EncodingFormat.FLOAT, EmbeddingCreateParams.EncodingFormat.BASE64)) {
            CreateEmbeddingResponse answer = client.embeddings()
                    .create(EmbeddingCreateParams.builder()
                            .model("embedder")
                            .inputOfArrayOfStrings(List.of("ab", "abcd"))
                            .encodingFormat(format)
                            .build());
            assertThat(answer.data()).hasSize(2);
            assertThat(answer.data().get(0).embedding()).containsExactly(2f, 0.5f, -1f);
            assertThat(answer.data().get(1).embedding()).containsExactly(4f, 0.5f, -1f);
            assertEquals(1, answer.data().get(1).index());
        }
    }

    @Test
    void aLargeBatchOfEmbeddingsIsReadAndTranslatedOffTheEventLoop() {
        // a 420 KB body and a 1 MB answer: both over the inline bound, so parsed and translated on a worker thread
        List<String> inputs = java.util.Collections.nCopies(70_000, "ab");
        CreateEmbeddingResponse answer = client.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("embedder")
                        .inputOfArrayOfStrings(inputs)
                        .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT)
                        .build());
        assertThat(answer.data()).hasSize(70_000);
        assertThat(answer.data().get(69_999).embedding()).containsExactly(2f, 0.5f, -1f);
        assertEquals(69_999, answer.data().get(69_999).index());
    }

    @Test
    void theModelsListNamesTheConfiguredModels() {
        var ids = client.models().list().data().stream().map(m -> m.id()).toList();
        assertThat(ids).contains("chat", "chat-ic", "writer", "embedder");
        assertEquals("llm-generate", given().get("/v1/models/writer").jsonPath().getString("endpoint"));
    }

    @Test
    void everyErrorIsTheSdksTypedException() {
        assertThatThrownBy(() -> client.chat().completions().create(chat("no-such-model")))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertEquals("model_not_found", e.code().orElseThrow());
                    assertEquals("model", e.param().orElseThrow());
                    assertEquals("invalid_request_error", e.type().orElseThrow());
                });
        assertThatThrownBy(() -> client.chat()
                        .completions()
                        .create(ChatCompletionCreateParams.builder()
                                .model("chat")
                                .messages(List.of())
                                .build()))
                .isInstanceOf(BadRequestException.class);
        // SageMaker's ModelError: the container said 400, so the request was at fault
        assertThatThrownBy(() -> client.chat().completions().create(chat("error-model")))
                .isInstanceOfSatisfying(
                        BadRequestException.class,
                        e -> assertThat(e.getMessage()).contains("bad tensor shape"));
        assertThatThrownBy(() -> client.chat().completions().create(chat("throttled")))
                .isInstanceOf(RateLimitException.class);
        assertThatThrownBy(() -> client.chat().completions().create(chat("error-unavailable")))
                .isInstanceOfSatisfying(InternalServerException.class, e -> assertEquals(503, e.statusCode()));
        // the container's own OpenAI error through SageMaker's OpenAI route
        assertThatThrownBy(() -> client.chat()
                        .completions()
                        .create(chat("chat-ic").toBuilder()
                                .putAdditionalBodyProperty("fail_with", com.openai.core.JsonValue.from(400))
                                .build()))
                .isInstanceOfSatisfying(
                        BadRequestException.class,
                        e -> assertThat(e.getMessage()).contains("bad prompt"));
        // a model whose protocol does not serve the operation
        assertThatThrownBy(() -> client.chat().completions().create(chat("embedder")))
                .isInstanceOf(BadRequestException.class);
    }

    @Test
    void badBodiesAndUnknownPathsAreAnsweredInOpenAisShape() {
        given().contentType("application/json")
                .body("{not json")
                .post("/v1/chat/completions")
                .then()
                .statusCode(400)
                .body("error.type", org.hamcrest.Matchers.equalTo("invalid_request_error"));
        given().contentType("application/json")
                .body("{}")
                .post("/v1/responses")
                .then()
                .statusCode(404)
                .body("error.code", org.hamcrest.Matchers.equalTo("unknown_url"));
        given().contentType("application/json")
                .body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .post("/v1/chat/completions")
                .then()
                .statusCode(400)
                .body("error.param", org.hamcrest.Matchers.equalTo("model"));
    }

    @Test
    void anIdempotencyKeyRunsTheModelOnce() {
        String key = "openai-" + Gateway.newInferenceId();
        String body = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"once\"}]}";
        int before = Gateway.modelCalls("llm-messages");
        String first = given().contentType("application/json")
                .header("Idempotency-Key", key)
                .body(body)
                .post("/v1/chat/completions")
                .then()
                .statusCode(200)
                .extract()
                .header("X-Sagewatch-Inference-Id");
        var again = given().contentType("application/json")
                .header("Idempotency-Key", key)
                .body(body)
                .post("/v1/chat/completions")
                .then()
                .statusCode(200)
                .extract();
        assertEquals("true", again.header("Idempotent-Replayed"));
        assertEquals(first, again.header("X-Sagewatch-Inference-Id"));
        assertEquals("Hello from fake", again.jsonPath().getString("choices[0].message.content"));
        assertEquals(before + 1, Gateway.modelCalls("llm-messages"));
    }

    @Test
    void langChain4jsOpenAiClientChatsStreamsAndEmbeds() throws Exception {
        OpenAiChatModel chat = OpenAiChatModel.builder()
                .baseUrl(base() + "/v1")
                .apiKey("unused")
                .modelName("chat")
                .maxRetries(0)
                .build();
        assertEquals("Hello from fake", chat.chat("Say hello"));

        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder()
                .baseUrl(base() + "/v1")
                .apiKey("unused")
                .modelName("chat")
                .build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        StringBuilder partial = new StringBuilder();
        streaming.chat("Say hello", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String text) {
                partial.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(20, TimeUnit.SECONDS);
        assertEquals("Hello from fake", response.aiMessage().text());
        assertEquals("Hello from fake", partial.toString());

        OpenAiEmbeddingModel embedder = OpenAiEmbeddingModel.builder()
                .baseUrl(base() + "/v1")
                .apiKey("unused")
                .modelName("embedder")
                .maxRetries(0)
                .build();
        assertThat(embedder.embed("abc").content().vector()).containsExactly(3f, 0.5f, -1f);
    }

    private static JsonNode sentBody(String inferenceId) {
        try {
            JsonNode request = JSON.readTree(Gateway.modelRequestFor(inferenceId));
            return JSON.readTree(java.util.Base64.getDecoder()
                    .decode(request.path("body_base64").asText()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
