package io.sagewatch.config;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.sagewatch.testing.TestConfigs;

import static org.assertj.core.api.Assertions.assertThat;

class EndpointPoliciesTest {

    private final EndpointPolicies policies = new EndpointPolicies(TestConfigs.sagewatch(Map.of(
            "sagewatch.sagemaker.timeout", "30s",
            "sagewatch.limits.max-concurrent-per-endpoint", "100",
            "sagewatch.endpoint.llm.timeout", "120s",
            "sagewatch.endpoint.llm.max-concurrent", "8",
            "sagewatch.endpoint.llm.content-types", "application/json",
            "sagewatch.endpoint.llm.price.per-1k-output-tokens", "0.015",
            "sagewatch.endpoint.tagged.output-tokens-pointer", "/n")));

    @Test
    void anEndpointsOwnSettingsOverrideTheDefaults() {
        EndpointPolicies.Policy llm = policies.of("llm");
        assertThat(llm.timeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(llm.maxConcurrent()).isEqualTo(8);
        assertThat(llm.contentTypes()).contains(Set.of("application/json"));
        assertThat(llm.price().per1kOutputTokens()).isEqualTo(0.015);
    }

    @Test
    void whatAnEndpointDoesNotSetComesFromTheDefaults() {
        EndpointPolicies.Policy tagged = policies.of("tagged");
        assertThat(tagged.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(tagged.maxConcurrent()).isEqualTo(100);
        assertThat(tagged.hasTokenPointers()).isTrue();
        assertThat(tagged.price()).as("no price: no cost estimate").isNull();
    }

    @Test
    void anUnconfiguredEndpointGetsTheDefaultsWithoutBeingRemembered() {
        assertThat(policies.of("any-name")).isSameAs(policies.of("another-name"));
        assertThat(policies.of("any-name").timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(policies.of("any-name").contentTypes()).isEmpty();
    }
}
