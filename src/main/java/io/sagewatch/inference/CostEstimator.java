package io.sagewatch.inference;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;

/** Estimated cost of one inference in USD, from the per-endpoint price table; null when the endpoint has no price. */
@ApplicationScoped
public class CostEstimator {

    private final Map<String, SagewatchConfig.EndpointSettings> settings;

    CostEstimator(SagewatchConfig config) {
        this.settings = config.endpoint();
    }

    public Double estimate(String endpoint, TokenUsage tokens) {
        SagewatchConfig.EndpointSettings endpointSettings = settings.get(endpoint);
        if (endpointSettings == null) {
            return null;
        }
        SagewatchConfig.Price price = endpointSettings.price();
        if (price.perInvocation() == 0 && price.per1kInputTokens() == 0 && price.per1kOutputTokens() == 0) {
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
