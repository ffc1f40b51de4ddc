package io.sagewatch.inference;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.EndpointPolicies;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.TokenUsage;

/** Estimated cost of one inference in USD, from the per-endpoint price table; null when the endpoint has no price. */
@ApplicationScoped
public class CostEstimator {

    private final EndpointPolicies policies;

    CostEstimator(EndpointPolicies policies) {
        this.policies = policies;
    }

    public Double estimate(String endpoint, TokenUsage tokens) {
        SagewatchConfig.Price price = policies.of(endpoint).price();
        if (price == null) {
            return null;
        }
        double cost = price.perInvocation();
        if (tokens.inputTokens() != null) {
            cost += tokens.inputTokens() / 1000.0 * price.per1kInputTokens();
        }
        if (tokens.outputTokens() != null) {
            cost += tokens.outputTokens() / 1000.0 * price.per1kOutputTokens();
        }
        return cost;
    }
}
