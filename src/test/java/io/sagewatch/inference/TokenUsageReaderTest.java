package io.sagewatch.inference;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.testing.TestConfigs;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TokenUsageReaderTest {

    private final TokenUsageReader reader = new TokenUsageReader(
            new ObjectMapper(),
            new EndpointPolicies(TestConfigs.sagewatch(Map.of(
                    "sagewatch.endpoint.custom.input-tokens-pointer", "/metrics/in",
                    "sagewatch.endpoint.custom.output-tokens-pointer", "/metrics/out"))));

    private TokenUsage read(String endpoint, String contentType, String body) {
        return reader.read(
                endpoint,
                new ModelResponse(body.getBytes(StandardCharsets.UTF_8), contentType, null, null, null, null));
    }

    @Test
    void commonShapesNeedNoSetting() {
        assertEquals(
                new TokenUsage(12L, 30L),
                read(
                        "llm",
                        "application/json",
                        "{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":30,\"total_tokens\":42}}"));
        assertEquals(
                new TokenUsage(5L, 7L),
                read("llm", "application/json", "{\"content\":[],\"usage\":{\"input_tokens\":5,\"output_tokens\":7}}"));
        assertEquals(
                new TokenUsage(null, 20L, "length"),
                read(
                        "tgi",
                        "application/json",
                        "[{\"generated_text\":\"hi\",\"details\":{\"finish_reason\":\"length\",\"generated_tokens\":20}}]"));
        assertEquals(
                new TokenUsage(null, 3L),
                read(
                        "tgi",
                        "application/json; charset=utf-8",
                        "{\"generated_text\":\"hi\",\"details\":{\"generated_tokens\":3}}"));
    }

    @Test
    void theFinishReasonIsReadFromOpenAiAndTgiAnswers() {
        assertEquals(
                new TokenUsage(9L, 3L, "stop"),
                read(
                        "llm",
                        "application/json",
                        "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                                + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3}}"));
        assertEquals(
                new TokenUsage(null, null, "eos_token"),
                read(
                        "tgi",
                        "application/json",
                        "{\"generated_text\":\"hi\",\"details\":{\"finish_reason\":\"eos_token\"}}"));
        assertEquals(TokenUsage.NONE, read("tgi", "application/json", "{\"generated_text\":\"hi\"}"));
    }

    @Test
    void configuredPointersWin() {
        assertEquals(
                new TokenUsage(4L, 9L),
                read(
                        "custom",
                        "application/json",
                        "{\"metrics\":{\"in\":4,\"out\":9},\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}"));
    }

    @Test
    void answersWithoutUsableTokensHaveNone() {
        assertEquals(TokenUsage.NONE, read("llm", "application/json", "{\"usage\": {\"prompt_tokens\": \"12\"}}"));
        assertEquals(TokenUsage.NONE, read("llm", "application/json", "{\"usage\": {\"prompt_tokens\": -1}}"));
        assertEquals(TokenUsage.NONE, read("llm", "application/json", "{not json"));
        assertEquals(TokenUsage.NONE, read("llm", "text/csv", "1,2,3"));
        assertEquals(TokenUsage.NONE, read("llm", null, "{\"usage\":{\"prompt_tokens\":1}}"));
        assertEquals(TokenUsage.NONE, read("llm", "application/json", "[]"));
    }
}
