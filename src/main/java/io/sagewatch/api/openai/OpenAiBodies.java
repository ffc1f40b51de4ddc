package io.sagewatch.api.openai;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.api.openai.ContainerProtocol.Operation;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.json.Json;

/**
 * OpenAI bodies to and from the containers' own: what a {@code generate} or {@code embeddings} container is sent, and
 * its answer as OpenAI's. The {@code openai} and {@code messages} containers speak OpenAI already: their bodies pass
 * through untouched, both ways.
 */
final class OpenAiBodies {

    private static final ObjectMapper JSON = Json.MAPPER;

    private OpenAiBodies() {}

    /** The client's body, read and checked for what every operation needs. */
    static ObjectNode read(byte[] body, Operation operation) {
        JsonNode root;
        try {
            root = body.length == 0 ? null : JSON.readTree(body);
        } catch (IOException e) {
            throw OpenAiError.invalid(null, "The request body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (!(root instanceof ObjectNode request)) {
            throw OpenAiError.invalid(null, "The request body must be a JSON object");
        }
        JsonNode model = request.get("model");
        if (model == null || !model.isTextual() || model.asText().isEmpty()) {
            throw OpenAiError.invalid("model", "you must provide a model parameter");
        }
        switch (operation) {
            case CHAT -> {
                JsonNode messages = request.get("messages");
                if (messages == null || !messages.isArray() || messages.isEmpty()) {
                    throw OpenAiError.invalid("messages", "'messages' must be a non-empty array");
                }
            }
            case COMPLETION -> {
                JsonNode prompt = request.get("prompt");
                if (prompt == null || !(prompt.isTextual() || prompt.isArray())) {
                    throw OpenAiError.invalid("prompt", "'prompt' must be a string or an array of strings");
                }
            }
            case EMBEDDING -> {
                JsonNode input = request.get("input");
                if (input == null || !(input.isTextual() || input.isArray()) || input.isEmpty() && input.isArray()) {
                    throw OpenAiError.invalid("input", "'input' must be a string or a non-empty array of strings");
                }
                if (request.path("stream").asBoolean(false)) {
                    throw OpenAiError.invalid("stream", "embeddings are not streamed");
                }
            }
        }
        JsonNode n = request.get("n");
        if (n != null && !n.isNull() && n.asInt(1) != 1) {
            throw OpenAiError.invalid("n", "this gateway answers one choice per request (n=1)");
        }
        return request;
    }

    static boolean streamed(ObjectNode request) {
        return request.path("stream").asBoolean(false);
    }

    static boolean includeUsage(ObjectNode request) {
        return request.path("stream_options").path("include_usage").asBoolean(false);
    }

    /** What the container is sent. */
    static byte[] upstream(byte[] original, ObjectNode request, ContainerProtocol protocol, int defaultMaxTokens) {
        return switch (protocol) {
            case OPENAI, MESSAGES -> original;
            case GENERATE -> bytes(generate(request, defaultMaxTokens));
            case EMBEDDINGS -> bytes(embed(request));
        };
    }

    /** TGI's and DJL's generate: {@code inputs} and {@code parameters}, with details for the finish reason. */
    static ObjectNode generate(ObjectNode request, int defaultMaxTokens) {
        JsonNode prompt = request.get("prompt");
        String text;
        if (prompt.isTextual()) {
            text = prompt.asText();
        } else if (prompt.size() == 1 && prompt.get(0).isTextual()) {
            text = prompt.get(0).asText();
        } else {
            throw OpenAiError.invalid("prompt", "a generate container takes one prompt (a string) per request");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("inputs", text);
        ObjectNode parameters = body.putObject("parameters");
        JsonNode max = request.get("max_tokens");
        parameters.put("max_new_tokens", max != null && max.canConvertToInt() ? max.asInt() : defaultMaxTokens);
        double temperature = request.path("temperature").asDouble(1.0);
        // TGI refuses temperature 0 and top_p 1: greedy decoding and "no nucleus" say the same
        if (temperature > 0) {
            parameters.put("temperature", temperature);
            parameters.put("do_sample", true);
        } else {
            parameters.put("do_sample", false);
        }
        double topP = request.path("top_p").asDouble(1.0);
        if (topP > 0 && topP < 1) {
            parameters.put("top_p", topP);
        }
        JsonNode stop = request.get("stop");
        if (stop != null && stop.isTextual()) {
            parameters.putArray("stop").add(stop.asText());
        } else if (stop != null && stop.isArray()) {
            parameters.set("stop", stop);
        }
        JsonNode seed = request.get("seed");
        if (seed != null && seed.canConvertToLong()) {
            parameters.put("seed", seed.asLong());
        }
        parameters.put("return_full_text", false);
        parameters.put("details", true);
        if (streamed(request)) {
            body.put("stream", true);
        }
        return body;
    }

    /** TEI and Hugging Face feature extraction: {@code inputs}, a list of texts. */
    static ObjectNode embed(ObjectNode request) {
        JsonNode input = request.get("input");
        ObjectNode body = JSON.createObjectNode();
        ArrayNode inputs = body.putArray("inputs");
        if (input.isTextual()) {
            inputs.add(input.asText());
        } else {
            for (JsonNode item : input) {
                if (!item.isTextual()) {
                    throw OpenAiError.invalid("input", "an embeddings container takes texts, not token arrays");
                }
                inputs.add(item.asText());
            }
        }
        body.put("truncate", true);
        return body;
    }

    /** The OpenAI answer to the container's: passed through, or translated. */
    static byte[] answer(
            byte[] upstream,
            ObjectNode request,
            ContainerProtocol protocol,
            String id,
            long created,
            TokenUsage usage) {
        return switch (protocol) {
            case OPENAI, MESSAGES -> upstream;
            case GENERATE -> bytes(completion(parse(upstream), request, id, created, usage));
            case EMBEDDINGS -> bytes(embeddings(parse(upstream), request, usage));
        };
    }

    static ObjectNode completion(JsonNode answer, ObjectNode request, String id, long created, TokenUsage usage) {
        JsonNode first = answer.isArray() && !answer.isEmpty() ? answer.get(0) : answer;
        JsonNode text = first.get("generated_text");
        if (text == null || !text.isTextual()) {
            throw new UnexpectedAnswer("the generate container's answer has no generated_text");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("id", id);
        body.put("object", "text_completion");
        body.put("created", created);
        body.put("model", request.get("model").asText());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("text", text.asText());
        choice.putNull("logprobs");
        choice.put(
                "finish_reason",
                finishReason(first.path("details").path("finish_reason").asText(null)));
        usage(body, usage);
        return body;
    }

    static ObjectNode embeddings(JsonNode answer, ObjectNode request, TokenUsage usage) {
        JsonNode vectors = answer;
        if (answer.isObject()) {
            vectors = answer.has("embeddings") ? answer.get("embeddings") : answer.path("embedding");
        }
        if (!vectors.isArray() || vectors.isEmpty()) {
            throw new UnexpectedAnswer("the embeddings container's answer holds no vectors");
        }
        if (vectors.get(0).isNumber()) { // one vector, not a list of them
            ArrayNode list = JSON.createArrayNode();
            list.add(vectors);
            vectors = list;
        }
        boolean base64 = "base64".equals(request.path("encoding_format").asText("float"));
        ObjectNode body = JSON.createObjectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        int index = 0;
        for (JsonNode vector : vectors) {
            float[] values = vector(vector);
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", index++);
            if (base64) {
                ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float value : values) {
                    buffer.putFloat(value);
                }
                item.put("embedding", Base64.getEncoder().encodeToString(buffer.array()));
            } else {
                ArrayNode numbers = item.putArray("embedding");
                for (float value : values) {
                    numbers.add(value);
                }
            }
        }
        body.put("model", request.get("model").asText());
        ObjectNode counts = body.putObject("usage");
        long input = usage.inputTokens() == null ? 0 : usage.inputTokens();
        counts.put("prompt_tokens", input);
        counts.put("total_tokens", input);
        return body;
    }

    /** A sentence's vector, or its tokens' vectors (feature extraction without pooling), mean-pooled. */
    private static float[] vector(JsonNode vector) {
        if (!vector.isArray() || vector.isEmpty()) {
            throw new UnexpectedAnswer("an embedding is not an array of numbers");
        }
        if (vector.get(0).isNumber()) {
            float[] values = new float[vector.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) vector.get(i).asDouble();
            }
            return values;
        }
        List<float[]> tokens = new ArrayList<>();
        for (JsonNode token : vector) {
            tokens.add(vector(token));
        }
        float[] mean = new float[tokens.get(0).length];
        for (float[] token : tokens) {
            if (token.length != mean.length) {
                throw new UnexpectedAnswer("token vectors of different lengths");
            }
            for (int i = 0; i < mean.length; i++) {
                mean[i] += token[i] / tokens.size();
            }
        }
        return mean;
    }

    static void usage(ObjectNode body, TokenUsage usage) {
        ObjectNode counts = body.putObject("usage");
        long input = usage.inputTokens() == null ? 0 : usage.inputTokens();
        long output = usage.outputTokens() == null ? 0 : usage.outputTokens();
        counts.put("prompt_tokens", input);
        counts.put("completion_tokens", output);
        counts.put("total_tokens", input + output);
    }

    /** TGI's and DJL's reasons in OpenAI's words. */
    static String finishReason(String container) {
        if (container == null) {
            return null;
        }
        return switch (container) {
            case "length" -> "length";
            case "eos_token", "stop_sequence", "stop" -> "stop";
            default -> container;
        };
    }

    static JsonNode parse(byte[] bytes) {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null) {
                throw new UnexpectedAnswer("the container answered nothing");
            }
            return node;
        } catch (IOException e) {
            throw new UnexpectedAnswer("the container's answer is not JSON");
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** The container answered, but not in its protocol's shape: the model's fault, not the client's. */
    static final class UnexpectedAnswer extends RuntimeException {
        UnexpectedAnswer(String message) {
            super(message, null, false, false);
        }
    }
}
