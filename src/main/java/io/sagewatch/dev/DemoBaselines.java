package io.sagewatch.dev;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.arc.properties.UnlessBuildProperty;
import io.quarkus.runtime.StartupEvent;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.json.Json;
import io.sagewatch.monitor.Baselines;
import io.sagewatch.monitor.EndpointMonitors;
import io.sagewatch.monitor.features.Sample;

/**
 * Dev mode: the demo endpoints come with model-health baselines, built from the demo models' answers to a fixed set
 * of everyday inputs (mostly positive reviews; short prompts), so that drifted traffic shows within a window.
 */
// not in the native executables: only the JVM image's build trains, and a native gateway has no dev mode
@UnlessBuildProperty(name = "quarkus.native.enabled", stringValue = "true", enableIfMissing = true)
@ApplicationScoped
public class DemoBaselines {

    private static final Logger LOG = Logger.getLogger(DemoBaselines.class);
    private static final ObjectMapper JSON = Json.MAPPER;

    static final List<String> REVIEWS = List.of(
            "I love how fast this is",
            "great service and a friendly team",
            "really good value",
            "works well",
            "the best purchase this year",
            "very happy with it",
            "excellent quality",
            "nice and simple",
            "not bad at all",
            "good enough for the price",
            "amazing support",
            "I like it a lot",
            "it is fine",
            "pretty good overall",
            "a wonderful experience",
            "quick delivery, great product",
            "terrible battery life",
            "it broke after a week",
            "not worth the money",
            "slow and buggy");
    static final List<String> PROMPTS = List.of(
            "the gateway",
            "what does the gateway record",
            "tell me about latency",
            "how are tokens counted",
            "write a haiku about drift",
            "the model answered",
            "explain the baseline",
            "a short story");

    void build(@Observes StartupEvent event, SagewatchConfig config, EndpointMonitors monitors, Baselines baselines) {
        if (!config.dev().demoModel()) {
            return;
        }
        Thread builder = new Thread(
                () -> {
                    try {
                        if (monitors.settings("demo-sentiment") != null
                                && baselines
                                                .current("demo-sentiment")
                                                .toCompletableFuture()
                                                .get(30, TimeUnit.SECONDS)
                                        == null) {
                            baselines
                                    .fromSamples("demo-sentiment", sentimentSamples())
                                    .toCompletableFuture()
                                    .get(30, TimeUnit.SECONDS);
                            LOG.info("Model health: demo-sentiment has a baseline (" + REVIEWS.size() * 10
                                    + " demo answers)");
                        }
                        if (monitors.settings("demo-llm") != null
                                && baselines
                                                .current("demo-llm")
                                                .toCompletableFuture()
                                                .get(30, TimeUnit.SECONDS)
                                        == null) {
                            baselines
                                    .fromSamples("demo-llm", llmSamples())
                                    .toCompletableFuture()
                                    .get(30, TimeUnit.SECONDS);
                            LOG.info(
                                    "Model health: demo-llm has a baseline (" + PROMPTS.size() * 10 + " demo answers)");
                        }
                    } catch (Exception e) {
                        LOG.warnf("Model health: the demo baselines could not be built: %s", e.toString());
                    }
                },
                "demo-baselines");
        builder.setDaemon(true);
        builder.start();
    }

    static List<Sample> sentimentSamples() {
        SentimentModel model = new SentimentModel();
        List<Sample> samples = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            for (String review : REVIEWS) {
                byte[] answer = model.classify(List.of(review)).toString().getBytes(StandardCharsets.UTF_8);
                samples.add(new Sample(
                        review.getBytes(StandardCharsets.UTF_8),
                        "text/plain",
                        answer,
                        "application/json",
                        null,
                        null,
                        false));
            }
        }
        return samples;
    }

    static List<Sample> llmSamples() throws Exception {
        TextGenerationModel model = new TextGenerationModel();
        List<Sample> samples = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            for (String prompt : PROMPTS) {
                byte[] request = JSON.writeValueAsBytes(JSON.createObjectNode()
                        .put("inputs", prompt)
                        .set("parameters", JSON.createObjectNode().put("max_new_tokens", 8 + 4 * (round % 4))));
                JsonNode answer = model.generate(JSON.readTree(request));
                // the token counts the gateway reads from this answer shape (TGI's details)
                samples.add(new Sample(
                        request,
                        "application/json",
                        JSON.writeValueAsBytes(answer),
                        "application/json",
                        answer.at("/0/details/prompt_tokens").asLong(),
                        answer.at("/0/details/generated_tokens").asLong(),
                        false));
            }
        }
        return samples;
    }
}
