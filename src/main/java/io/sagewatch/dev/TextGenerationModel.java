package io.sagewatch.dev;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A tiny LLM-style endpoint: a word-bigram language model trained at startup on a built-in paragraph, sampling
 * deterministically (seeded by the prompt). It speaks the two request shapes LLM containers on SageMaker use and reports
 * token usage the way they do: OpenAI-compatible chat ({"messages": [...]} answers with "usage"), and Hugging Face TGI
 * ({"inputs": "..."} answers with "details.generated_tokens").
 */
final class TextGenerationModel {

    private static final String CORPUS = """
            the gateway sends each request to the model and records the answer in the table . \
            the model answers the request and the gateway measures the latency of the model . \
            every inference leaves one record with its latency , its status and its tokens . \
            the table keeps the record for thirty days and the dashboard shows the latency . \
            a slow model raises the latency and the alarm tells the team before the users notice . \
            the team reads the record , finds the slow request and fixes the model . \
            tokens cost money , so the gateway counts the tokens of every answer . \
            the dashboard shows the tokens , the cost and the errors of each endpoint .""";
    private static final int DEFAULT_MAX_TOKENS = 32;
    private static final int MAX_TOKENS = 256;

    private final Map<String, List<String>> followers = new HashMap<>();
    private final List<String> vocabulary;

    TextGenerationModel() {
        String[] words = CORPUS.split("\\s+");
        for (int i = 0; i + 1 < words.length; i++) {
            followers.computeIfAbsent(words[i], w -> new ArrayList<>()).add(words[i + 1]);
        }
        vocabulary = List.copyOf(followers.keySet().stream().sorted().toList());
    }

    JsonNode generate(JsonNode request) {
        if (request.has("messages")) {
            return chatCompletion(request);
        }
        if (request.has("inputs")) {
            return textGeneration(request);
        }
        throw new IllegalArgumentException(
                "Expected {\"messages\": [...]} (OpenAI chat) or {\"inputs\": \"...\"} (TGI)");
    }

    private JsonNode chatCompletion(JsonNode request) {
        StringBuilder prompt = new StringBuilder(promptOf(request));
        int maxTokens = maxTokens(request.path("max_tokens"));
        List<String> generated = continueText(prompt.toString(), maxTokens);
        int promptTokens = tokens(prompt.toString()).size();
        ObjectNode out = JsonNodeFactory.instance
                .objectNode()
                .put(
                        "id",
                        "chatcmpl-demo-" + Integer.toHexString(prompt.toString().hashCode()))
                .put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", "sagewatch-demo-llm");
        ObjectNode choice = out.putArray("choices")
                .addObject()
                .put("index", 0)
                .put("finish_reason", generated.size() >= maxTokens ? "length" : "stop");
        choice.putObject("message").put("role", "assistant").put("content", String.join(" ", generated));
        out.putObject("usage")
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", generated.size())
                .put("total_tokens", promptTokens + generated.size());
        return out;
    }

    private JsonNode textGeneration(JsonNode request) {
        String prompt = request.get("inputs").asText();
        int maxTokens = maxTokens(request.path("parameters").path("max_new_tokens"));
        List<String> generated = continueText(prompt, maxTokens);
        ObjectNode answer =
                JsonNodeFactory.instance.arrayNode().addObject().put("generated_text", String.join(" ", generated));
        answer.putObject("details")
                .put("finish_reason", generated.size() >= maxTokens ? "length" : "eos_token")
                .put("generated_tokens", generated.size())
                .put("prompt_tokens", tokens(prompt).size());
        return JsonNodeFactory.instance.arrayNode().add(answer);
    }

    /**
     * The same answer as a stream of server-sent events, one token per event, as LLM containers stream it: OpenAI
     * chunks ({@code choices[0].delta.content}, usage on the last, then {@code [DONE]}) or TGI's ({@code token},
     * {@code details} on the last).
     */
    List<String> stream(JsonNode request) {
        boolean chat = request.has("messages");
        if (!chat && !request.has("inputs")) {
            throw new IllegalArgumentException(
                    "Expected {\"messages\": [...]} (OpenAI chat) or {\"inputs\": \"...\"} (TGI)");
        }
        String prompt = chat ? promptOf(request) : request.get("inputs").asText();
        int maxTokens = maxTokens(
                chat ? request.path("max_tokens") : request.path("parameters").path("max_new_tokens"));
        List<String> generated = continueText(prompt, maxTokens);
        String finish = generated.size() >= maxTokens ? "length" : chat ? "stop" : "eos_token";
        List<String> events = new ArrayList<>();
        for (int i = 0; i < generated.size(); i++) {
            String text = (i == 0 ? "" : " ") + generated.get(i);
            boolean last = i == generated.size() - 1;
            ObjectNode event = JsonNodeFactory.instance.objectNode();
            if (chat) {
                event.put("id", "chatcmpl-demo")
                        .put("object", "chat.completion.chunk")
                        .put("created", System.currentTimeMillis() / 1000)
                        .put("model", "sagewatch-demo-llm");
                ObjectNode choice = event.putArray("choices").addObject().put("index", 0);
                choice.putObject("delta").put("content", text);
                choice.putNull("finish_reason");
            } else {
                event.putObject("token").put("id", i).put("text", text).put("special", false);
                if (last) {
                    event.put("generated_text", String.join(" ", generated));
                    event.putObject("details").put("finish_reason", finish).put("generated_tokens", generated.size());
                } else {
                    event.putNull("generated_text").putNull("details");
                }
            }
            events.add("data:" + event + "\n\n");
        }
        if (chat) {
            int promptTokens = tokens(prompt).size();
            ObjectNode end = JsonNodeFactory.instance
                    .objectNode()
                    .put("id", "chatcmpl-demo")
                    .put("object", "chat.completion.chunk")
                    .put("created", System.currentTimeMillis() / 1000)
                    .put("model", "sagewatch-demo-llm");
            end.putArray("choices")
                    .addObject()
                    .put("index", 0)
                    .put("finish_reason", finish)
                    .putObject("delta");
            end.putObject("usage")
                    .put("prompt_tokens", promptTokens)
                    .put("completion_tokens", generated.size())
                    .put("total_tokens", promptTokens + generated.size());
            events.add("data:" + end + "\n\ndata:[DONE]\n\n");
        }
        return events;
    }

    private static String promptOf(JsonNode request) {
        StringBuilder prompt = new StringBuilder();
        for (JsonNode message : request.get("messages")) {
            prompt.append(message.path("content").asText()).append(' ');
        }
        return prompt.toString();
    }

    private static int maxTokens(JsonNode value) {
        if (value.isMissingNode() || value.isNull()) {
            return DEFAULT_MAX_TOKENS;
        }
        if (!value.canConvertToInt() || value.asInt() < 1 || value.asInt() > MAX_TOKENS) {
            throw new IllegalArgumentException("max tokens must be an integer from 1 to " + MAX_TOKENS);
        }
        return value.asInt();
    }

    /** Samples up to maxTokens words, stopping at the end of a sentence once it has said something. */
    List<String> continueText(String prompt, int maxTokens) {
        Random random = new Random(prompt.hashCode());
        List<String> promptWords = tokens(prompt);
        String word = promptWords.isEmpty() ? "the" : promptWords.get(promptWords.size() - 1);
        if (!followers.containsKey(word)) {
            word = vocabulary.get(random.nextInt(vocabulary.size()));
        }
        List<String> out = new ArrayList<>();
        while (out.size() < maxTokens) {
            List<String> next = followers.getOrDefault(word, List.of("the"));
            word = next.get(random.nextInt(next.size()));
            out.add(word);
            if (word.equals(".") && out.size() >= 8) {
                break;
            }
        }
        return out;
    }

    static List<String> tokens(String text) {
        return List.of(text.toLowerCase().trim().split("\\s+|(?=[.,!?])|(?<=[.,!?])")).stream()
                .map(String::trim)
                .filter(t -> !t.isEmpty())
                .toList();
    }
}
