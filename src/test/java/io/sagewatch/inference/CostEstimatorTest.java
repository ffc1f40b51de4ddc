package io.sagewatch.inference;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.testing.TestConfigs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertNull;

class CostEstimatorTest {

    private final CostEstimator costs = new CostEstimator(new EndpointPolicies(TestConfigs.sagewatch(Map.of(
            "sagewatch.endpoint.llm.price.per-1k-input-tokens", "0.003",
            "sagewatch.endpoint.llm.price.per-1k-output-tokens", "0.015",
            "sagewatch.endpoint.classic.price.per-invocation", "0.00002"))));

    @Test
    void tokensAndInvocationsArePricedPerEndpoint() {
        assertThat(costs.estimate("llm", new TokenUsage(2000L, 1000L))).isCloseTo(0.021, within());
        assertThat(costs.estimate("llm", new TokenUsage(null, 1000L))).isCloseTo(0.015, within());
        assertThat(costs.estimate("classic", TokenUsage.NONE)).isCloseTo(0.00002, within());
        assertNull(costs.estimate("unpriced", new TokenUsage(1L, 1L)), "no price, no estimate");
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-12);
    }
}
