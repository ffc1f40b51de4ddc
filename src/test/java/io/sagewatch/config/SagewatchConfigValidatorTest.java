package io.sagewatch.config;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sagewatch.testing.TestConfigs;

import static org.assertj.core.api.Assertions.assertThat;

class SagewatchConfigValidatorTest {

    private static SagewatchConfig config(Map<String, String> values) {
        return TestConfigs.sagewatch(values);
    }

    @Test
    void theDefaultsAreValid() {
        assertThat(SagewatchConfigValidator.problems(config(Map.of()))).isEmpty();
    }

    @Test
    void settingsThatWouldFailOnTheRequestPathAreRefusedAtStartup() {
        var problems = SagewatchConfigValidator.problems(config(Map.of(
                "sagewatch.store.write-backoff", "0ms",
                "sagewatch.sagemaker.throttle-backoff", "0s",
                "sagewatch.store.write-retries", "-1",
                "sagewatch.capture.sample-percent", "101",
                "sagewatch.max-payload-bytes", "0")));
        assertThat(problems)
                .hasSize(5)
                .anyMatch(p -> p.startsWith("sagewatch.store.write-backoff"))
                .anyMatch(p -> p.startsWith("sagewatch.sagemaker.throttle-backoff"))
                .anyMatch(p -> p.startsWith("sagewatch.store.write-retries"))
                .anyMatch(p -> p.startsWith("sagewatch.capture.sample-percent"))
                .anyMatch(p -> p.startsWith("sagewatch.max-payload-bytes"));
    }

    @Test
    void openAiModelsWithAProtocolNoContainerSpeaksAreAllReported() {
        var problems = SagewatchConfigValidator.problems(config(Map.of(
                "sagewatch.openai.models.llama.endpoint", "llama-endpoint",
                "sagewatch.openai.models.llama.protocol", "tgi",
                "sagewatch.openai.models.bert.endpoint", "bert-endpoint",
                "sagewatch.openai.models.bert.protocol", "embeddings",
                "sagewatch.openai.default-protocol", "chat",
                "sagewatch.openai.default-max-tokens", "0")));
        assertThat(problems)
                .hasSize(3)
                .anyMatch(p -> p.startsWith("sagewatch.openai.models.\"llama\".protocol must be one of openai,"
                        + " messages, generate, embeddings, not tgi"))
                .anyMatch(p -> p.startsWith("sagewatch.openai.default-protocol must be one of"))
                .anyMatch(p -> p.startsWith("sagewatch.openai.default-max-tokens"));
    }

    @Test
    void aTrainingRunWithoutTheDemoModelsIsRefused() {
        assertThat(SagewatchConfigValidator.problems(config(Map.of("sagewatch.dev.training-requests", "100"))))
                .containsExactly("sagewatch.dev.training-requests needs sagewatch.dev.demo-model=true: the training"
                        + " run calls the demo models (the training profile sets both)");
        assertThat(SagewatchConfigValidator.problems(config(Map.of("sagewatch.dev.training-requests", "-1"))))
                .singleElement()
                .asString()
                .startsWith("sagewatch.dev.training-requests must not be negative");
        assertThat(SagewatchConfigValidator.problems(
                        config(Map.of("sagewatch.dev.training-requests", "100", "sagewatch.dev.demo-model", "true"))))
                .isEmpty();
    }

    @Test
    void modelQualitySettingsThatCouldNotWorkAreAllReported() {
        var problems = SagewatchConfigValidator.problems(config(Map.of(
                "sagewatch.endpoint.churn.monitor.quality.problem-type", "Binary",
                "sagewatch.endpoint.churn.monitor.quality.probability-attribute", "score",
                "sagewatch.endpoint.churn.monitor.quality.probability-threshold", "1.5",
                "sagewatch.endpoint.churn.monitor.window", "500ms",
                "sagewatch.endpoint.price.monitor.quality.problem-type", "Regression",
                "sagewatch.endpoint.price.monitor.quality.ground-truth-wait", "-1s")));
        assertThat(problems)
                .hasSize(7)
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".monitor.quality.problem-type must be one of"
                        + " BinaryClassification, MulticlassClassification, Regression, not Binary"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".monitor.quality.probability-attribute must"
                        + " be a JSON pointer"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".monitor.quality.inference-attribute must"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".monitor.quality.probability-threshold"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".monitor.window must be whole seconds"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"price\".monitor.quality.inference-attribute must"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"price\".monitor.quality.ground-truth-wait"));
        assertThat(SagewatchConfigValidator.problems(config(Map.of(
                        "sagewatch.endpoint.churn.monitor.quality.problem-type", "BinaryClassification",
                        "sagewatch.endpoint.churn.monitor.quality.probability-attribute", "0"))))
                .isEmpty();
    }

    @Test
    void dataCaptureSettingsThatCouldNotWorkAreAllReported() {
        var problems = SagewatchConfigValidator.problems(config(Map.of(
                "sagewatch.data-capture.destination", "bucket/prefix",
                "sagewatch.data-capture.sampling-percentage", "120",
                "sagewatch.data-capture.max-file-bytes", "1000",
                "sagewatch.data-capture.max-buffered-bytes", "999",
                "sagewatch.endpoint.churn.data-capture.sampling-percentage", "-1")));
        assertThat(problems)
                .hasSize(4)
                .anyMatch(p -> p.startsWith("sagewatch.data-capture.destination must be s3://bucket"))
                .anyMatch(p -> p.startsWith("sagewatch.data-capture.sampling-percentage must be between 0 and 100"))
                .anyMatch(p -> p.startsWith("sagewatch.data-capture.max-buffered-bytes (999) must hold"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".data-capture.sampling-percentage"));
        assertThat(SagewatchConfigValidator.problems(
                        config(Map.of("sagewatch.data-capture.destination", "s3://my-bucket/capture/x"))))
                .isEmpty();
    }

    @Test
    void monitorSettingsThatCouldNotWorkAreAllReported() {
        var problems = SagewatchConfigValidator.problems(config(Map.of(
                "sagewatch.endpoint.churn.monitor.enabled", "true",
                "sagewatch.endpoint.churn.monitor.window", "1500ms",
                "sagewatch.endpoint.churn.monitor.sample-rate", "0",
                "sagewatch.endpoint.churn.monitor.preset", "gpt",
                "sagewatch.endpoint.churn.monitor.refusal-pattern", "(unclosed",
                "sagewatch.endpoint.churn.monitor.input.features.age", "age",
                "sagewatch.monitor.evaluation-delay", "10s",
                "sagewatch.monitor.flush-interval", "30s",
                "sagewatch.monitor.sketch-size", "4")));
        assertThat(problems)
                .hasSize(7)
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".monitor.window must be whole seconds"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".monitor.sample-rate"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".monitor.preset must be llm"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".monitor.refusal-pattern"))
                .anyMatch(p -> p.startsWith("sagewatch.endpoint.\"churn\".monitor.input.features.age must be a JSON"))
                .anyMatch(p -> p.startsWith("sagewatch.monitor.evaluation-delay"))
                .anyMatch(p -> p.startsWith("sagewatch.monitor.sketch-size"));
        // a disabled monitor's settings are not judged
        assertThat(SagewatchConfigValidator.problems(
                        config(Map.of("sagewatch.endpoint.churn.monitor.window", "1500ms"))))
                .isEmpty();
    }

    @Test
    void boundsThatTheHeapCannotHoldAreWarnedAbout() {
        long mb = 1024 * 1024;
        // defaults: 256 MB of bodies in flight + 64 MB of spool
        assertThat(SagewatchConfigValidator.memoryWarning(config(Map.of()), 614 * mb))
                .isNull();
        assertThat(SagewatchConfigValidator.memoryWarning(config(Map.of()), 307 * mb))
                .contains("320 MB", "307 MB", "max-in-flight-bytes");
        assertThat(SagewatchConfigValidator.memoryWarning(
                        config(Map.of("sagewatch.limits.max-in-flight-bytes", Long.toString(128 * mb))), 307 * mb))
                .isNull();
    }
}
