package io.sagewatch.api.openai;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.testing.TestRequests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The stream translation alone: what a client reads for what a container sent. */
class OpenAiStreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String feed(OpenAiStream stream, TokenUsage settledUsage, String... parts) {
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            out.append(new String(stream.part(part.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        }
        InferenceRequest request = TestRequests.of("r", "i", "e", new byte[1], null, System.nanoTime());
        InferenceOutcome outcome = InferenceOutcome.of(request, new ModelCall(null, null, 0, 1), settledUsage, null);
        out.append(new String(stream.end(outcome), StandardCharsets.UTF_8));
        return out.toString();
    }

    private static List<JsonNode> events(String sse) {
        return sse.lines()
                .filter(line -> line.startsWith("data: {"))
                .map(line -> {
                    try {
                        return JSON.readTree(line.substring(6));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    @Test
    void openAiChunksPassThroughAndTheContainersDoneComesLast() {
        String out = feed(
                new OpenAiStream(ContainerProtocol.MESSAGES, "chat", "id", 1, false),
                TokenUsage.NONE,
                "data:{\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choi",
                "ces\":[{\"delta\":{\"content\":\"b\"}}]}\n\ndata: [DONE]\n\n");
        assertEquals(
                "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
                        + "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n"
                        + "data: [DONE]\n\n",
                out);
    }

    @Test
    void aUsageChunkTheClientDidNotAskForIsDroppedAndOneItAskedForIsMadeWhenMissing() {
        String usageOnly = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\n";
        assertThat(feed(new OpenAiStream(ContainerProtocol.MESSAGES, "m", "id", 1, false), TokenUsage.NONE, usageOnly))
                .isEqualTo("data: [DONE]\n\n");
        String asked = feed(
                new OpenAiStream(ContainerProtocol.MESSAGES, "m", "id", 1, true),
                new TokenUsage(4L, 5L),
                "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n");
        JsonNode usage = events(asked).get(1).get("usage");
        assertEquals(4, usage.get("prompt_tokens").asInt());
        assertEquals(9, usage.get("total_tokens").asInt());
        assertThat(asked).endsWith("data: [DONE]\n\n");
    }

    @Test
    void aContainersErrorEventEndsTheStreamWithoutUsageOrDone() {
        String out = feed(
                new OpenAiStream(ContainerProtocol.MESSAGES, "m", "id", 1, true),
                TokenUsage.NONE,
                "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n",
                "data: {\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\"}}\n\n",
                "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n");
        assertThat(out)
                .endsWith("data: {\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\"}}\n\n")
                .doesNotContain("[DONE]")
                .doesNotContain("\"b\"");
    }

    @Test
    void aReplayedGenerateStreamCountsItsTokensFromTheContainersDetails() {
        String out = feed(
                new OpenAiStream(ContainerProtocol.GENERATE, "writer", "cmpl-1", 7, true),
                TokenUsage.NONE,
                "data:{\"token\":{\"text\":\" hi\"},\"details\":{\"finish_reason\":\"length\",\"generated_tokens\":1}}\n\n");
        assertEquals(1, events(out).get(1).at("/usage/completion_tokens").asInt());
    }

    @Test
    void tgiTokensBecomeCompletionChunksWithTheFinishReasonInOpenAisWords() {
        String out = feed(
                new OpenAiStream(ContainerProtocol.GENERATE, "writer", "cmpl-1", 7, false),
                TokenUsage.NONE,
                "data:{\"token\":{\"text\":\" hi\",\"special\":false},\"details\":null}\n\n",
                "data:{\"token\":{\"text\":\"</s>\",\"special\":true},\"details\":{\"finish_reason\":\"eos_token\"}}\n");
        List<JsonNode> chunks = events(out);
        assertEquals(2, chunks.size());
        assertEquals(" hi", chunks.get(0).at("/choices/0/text").asText());
        assertEquals("text_completion", chunks.get(0).get("object").asText());
        assertEquals("writer", chunks.get(0).get("model").asText());
        assertEquals("", chunks.get(1).at("/choices/0/text").asText());
        assertEquals("stop", chunks.get(1).at("/choices/0/finish_reason").asText());
    }
}
