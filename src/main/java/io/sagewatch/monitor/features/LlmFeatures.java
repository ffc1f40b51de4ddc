package io.sagewatch.monitor.features;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.json.Json;

/**
 * The LLM preset: features every text-generation endpoint has, with no schema to configure. One row per inference:
 * {@code prompt_length} and {@code completion_length} (characters), {@code input_tokens} and {@code output_tokens}
 * (as the gateway counted them), {@code finish_reason}, {@code empty_answer} and {@code refusal} (0 or 1). Reads the
 * request shapes of TGI ({@code inputs}), completions ({@code prompt}), chat ({@code messages}) and JumpStart
 * ({@code text_inputs}); answers of TGI ({@code generated_text}) and OpenAI ({@code choices}), whole or streamed.
 */
public final class LlmFeatures implements SampleFeatures {

    public static final String PROMPT_LENGTH = "prompt_length";
    public static final String COMPLETION_LENGTH = "completion_length";
    public static final String INPUT_TOKENS = "input_tokens";
    public static final String OUTPUT_TOKENS = "output_tokens";
    public static final String FINISH_REASON = "finish_reason";
    public static final String EMPTY_ANSWER = "empty_answer";
    public static final String REFUSAL = "refusal";

    /** Openings of the usual refusals; override per endpoint for a model's own wording. */
    public static final String DEFAULT_REFUSAL_PATTERN =
            "(?i)^\\W*(I'?m sorry|I am sorry|I apologi[sz]e|I can(?:no|')t|I cannot|I am unable|I'm unable|"
                    + "I won'?t|As an AI)\\b";

    private static final ObjectMapper JSON = Json.MAPPER;

    private final Pattern refusal;

    public LlmFeatures(String refusalPattern) {
        this.refusal = Pattern.compile(refusalPattern);
    }

    @Override
    public int extract(Sample sample, FeatureSink sink) {
        String prompt = prompt(sample.input());
        Answer answer = sample.streamed() ? streamedAnswer(sample.output()) : answer(sample.output());
        if (prompt == null && answer == null) {
            throw new UnreadablePayloadException("neither the prompt nor the answer is in a known LLM shape");
        }
        putLength(sink, PROMPT_LENGTH, prompt);
        putLength(sink, COMPLETION_LENGTH, answer == null ? null : answer.text());
        putCount(sink, INPUT_TOKENS, sample.inputTokens());
        putCount(sink, OUTPUT_TOKENS, sample.outputTokens());
        if (answer == null || answer.finishReason() == null) {
            sink.absent(FINISH_REASON);
        } else {
            sink.text(FINISH_REASON, answer.finishReason());
        }
        if (answer == null) {
            sink.absent(EMPTY_ANSWER);
            sink.absent(REFUSAL);
        } else {
            boolean empty = answer.text().isBlank();
            sink.number(EMPTY_ANSWER, empty ? 1 : 0, true, empty ? "1" : "0");
            boolean refused = refusal.matcher(answer.text()).find();
            sink.number(REFUSAL, refused ? 1 : 0, true, refused ? "1" : "0");
        }
        sink.endRow();
        return 1;
    }

    private static void putLength(FeatureSink sink, String feature, String text) {
        if (text == null) {
            sink.absent(feature);
        } else {
            int length = text.codePointCount(0, text.length());
            sink.number(feature, length, true, Integer.toString(length));
        }
    }

    private static void putCount(FeatureSink sink, String feature, Long count) {
        if (count == null) {
            sink.absent(feature);
        } else {
            sink.number(feature, count, true, Long.toString(count));
        }
    }

    static String prompt(byte[] input) {
        JsonNode request = parse(input);
        if (request == null) {
            return null;
        }
        for (String field : new String[] {"inputs", "prompt", "text_inputs"}) {
            JsonNode value = request.get(field);
            if (value != null && value.isTextual()) {
                return value.textValue();
            }
            if (value != null
                    && value.isArray()
                    && !value.isEmpty()
                    && value.get(0).isTextual()) {
                return value.get(0).textValue();
            }
        }
        JsonNode messages = request.get("messages");
        if (messages != null && messages.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode message : messages) {
                appendContent(message.get("content"), text);
            }
            return text.toString();
        }
        return null;
    }

    private static void appendContent(JsonNode content, StringBuilder text) {
        if (content == null) {
            return;
        }
        if (content.isTextual()) {
            text.append(content.textValue());
        } else if (content.isArray()) {
            for (JsonNode part : content) {
                if (part.path("text").isTextual()) {
                    text.append(part.get("text").textValue());
                }
            }
        }
    }

    /** What the model answered, and why it stopped (null when it did not say). */
    record Answer(String text, String finishReason) {}

    static Answer answer(byte[] output) {
        JsonNode response = parse(output);
        if (response == null) {
            return null;
        }
        JsonNode first = response.isArray() && !response.isEmpty() ? response.get(0) : response;
        if (first.path("generated_text").isTextual()) {
            return new Answer(first.get("generated_text").textValue(), textOrNull(first.at("/details/finish_reason")));
        }
        JsonNode choice = first.path("choices").path(0);
        if (!choice.isMissingNode()) {
            JsonNode text = choice.at("/message/content");
            if (!text.isTextual()) {
                text = choice.path("text");
            }
            return new Answer(text.isTextual() ? text.textValue() : "", textOrNull(choice.path("finish_reason")));
        }
        return null;
    }

    /** A stream's parts reassembled: server-sent events ({@code data: ...}) or JSON lines, TGI or OpenAI chunks. */
    static Answer streamedAnswer(byte[] output) {
        StringBuilder text = new StringBuilder();
        String finishReason = null;
        String generated = null;
        boolean understood = false;
        for (String line : new String(output, StandardCharsets.UTF_8).split("\r?\n")) {
            String data = line.startsWith("data:") ? line.substring(5).strip() : line.strip();
            if (data.isEmpty() || data.equals("[DONE]") || !data.startsWith("{")) {
                continue;
            }
            JsonNode event = parse(data.getBytes(StandardCharsets.UTF_8));
            if (event == null) {
                continue;
            }
            JsonNode token = event.path("token");
            if (token.path("text").isTextual()) {
                understood = true;
                if (!token.path("special").asBoolean(false)) {
                    text.append(token.get("text").textValue());
                }
            }
            if (event.path("generated_text").isTextual()) {
                generated = event.get("generated_text").textValue();
            }
            String reason = textOrNull(event.at("/details/finish_reason"));
            JsonNode choice = event.path("choices").path(0);
            if (!choice.isMissingNode()) {
                understood = true;
                JsonNode delta = choice.at("/delta/content");
                if (delta.isTextual()) {
                    text.append(delta.textValue());
                } else if (choice.path("text").isTextual()) {
                    text.append(choice.get("text").textValue());
                }
                reason = reason != null ? reason : textOrNull(choice.path("finish_reason"));
            }
            if (reason != null) {
                finishReason = reason;
            }
        }
        if (!understood && generated == null) {
            return null;
        }
        return new Answer(generated != null ? generated : text.toString(), finishReason);
    }

    private static String textOrNull(JsonNode node) {
        return node.isTextual() ? node.textValue() : null;
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
    }
}
