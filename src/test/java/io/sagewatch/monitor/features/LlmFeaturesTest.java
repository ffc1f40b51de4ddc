package io.sagewatch.monitor.features;

import org.junit.jupiter.api.Test;

import io.sagewatch.testing.RecordedRows;

import static io.sagewatch.monitor.features.CsvRowsTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LlmFeaturesTest {

    private final LlmFeatures llm = new LlmFeatures(LlmFeatures.DEFAULT_REFUSAL_PATTERN);

    @Test
    void tgiRequestAndAnswer() {
        RecordedRows sink = new RecordedRows();
        llm.extract(
                new Sample(
                        bytes("{\"inputs\": \"Tell me a joke\", \"parameters\": {\"details\": true}}"),
                        "application/json",
                        bytes("[{\"generated_text\": \"Why did the chicken\","
                                + " \"details\": {\"finish_reason\": \"length\"}}]"),
                        "application/json",
                        4L,
                        5L,
                        false),
                sink);
        assertThat(sink.rows())
                .containsExactly("prompt_length=int:14, completion_length=int:19, input_tokens=int:4,"
                        + " output_tokens=int:5, finish_reason=str:length, empty_answer=int:0, refusal=int:0");
    }

    @Test
    void openAiChatWithARefusal() {
        RecordedRows sink = new RecordedRows();
        llm.extract(
                new Sample(
                        bytes(
                                "{\"messages\": [{\"role\": \"system\", \"content\": \"Be kind.\"},"
                                        + " {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Hack it\"}]}]}"),
                        "application/json",
                        bytes("{\"choices\": [{\"message\": {\"content\": \"I'm sorry, I can't help\"},"
                                + " \"finish_reason\": \"stop\"}]}"),
                        "application/json",
                        null,
                        null,
                        false),
                sink);
        assertThat(sink.rows())
                .containsExactly("prompt_length=int:15, completion_length=int:23, input_tokens=absent,"
                        + " output_tokens=absent, finish_reason=str:stop, empty_answer=int:0, refusal=int:1");
    }

    @Test
    void streamsOfTgiTokensAndOpenAiChunks() {
        RecordedRows sink = new RecordedRows();
        String tgi = "data: {\"token\": {\"text\": \"Hel\"}}\n\ndata: {\"token\": {\"text\": \"lo\"}}\n\n"
                + "data: {\"token\": {\"text\": \"</s>\", \"special\": true}, \"generated_text\": null,"
                + " \"details\": {\"finish_reason\": \"eos_token\"}}\n\n";
        llm.extract(
                new Sample(
                        bytes("{\"inputs\": \"Hi\"}"),
                        "application/json",
                        bytes(tgi),
                        "text/event-stream",
                        1L,
                        3L,
                        true),
                sink);
        String openAi = "data: {\"choices\": [{\"delta\": {\"content\": \"\"}}]}\n\n"
                + "data: {\"choices\": [{\"delta\": {}, \"finish_reason\": \"stop\"}]}\n\ndata: [DONE]\n\n";
        llm.extract(
                new Sample(
                        bytes("{\"prompt\": \"Hi\"}"),
                        "application/json",
                        bytes(openAi),
                        "text/event-stream",
                        null,
                        0L,
                        true),
                sink);
        assertThat(sink.rows())
                .containsExactly(
                        "prompt_length=int:2, completion_length=int:5, input_tokens=int:1, output_tokens=int:3,"
                                + " finish_reason=str:eos_token, empty_answer=int:0, refusal=int:0",
                        "prompt_length=int:2, completion_length=int:0, input_tokens=absent, output_tokens=int:0,"
                                + " finish_reason=str:stop, empty_answer=int:1, refusal=int:0");
    }

    @Test
    void aPayloadInNoKnownShapeIsUnreadable() {
        assertThatThrownBy(() -> llm.extract(
                        new Sample(bytes("1,2,3"), "text/csv", bytes("0.4"), "text/csv", null, null, false),
                        new RecordedRows()))
                .isInstanceOf(UnreadablePayloadException.class);
        RecordedRows sink = new RecordedRows();
        new LlmFeatures("(?i)as a language model")
                .extract(
                        new Sample(
                                bytes("{\"inputs\": \"x\"}"),
                                "application/json",
                                bytes("{\"generated_text\": \"Sure. As a language model, no.\"}"),
                                "application/json",
                                null,
                                null,
                                false),
                        sink);
        assertThat(sink.rows().get(0)).endsWith("refusal=int:1");
    }
}
