package io.sagewatch.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Per-endpoint settings resolved once, at startup: each configured endpoint's overrides over the gateway's defaults.
 * Endpoints with no settings of their own share the defaults (no per-name state: names are caller input).
 */
@ApplicationScoped
public class EndpointPolicies {

    /**
     * What applies to one endpoint.
     *
     * @param contentTypes accepted media types; empty: any, as SageMaker
     * @param price per-invocation and per-token prices; null when the endpoint has none (no cost estimate)
     */
    public record Policy(
            Duration timeout,
            Duration streamSilenceTimeout,
            int maxConcurrent,
            Optional<Set<String>> contentTypes,
            Optional<String> inputTokensPointer,
            Optional<String> outputTokensPointer,
            SagewatchConfig.Price price) {

        /** The answer carries its token counts at configured pointers, not in one of the common shapes. */
        public boolean hasTokenPointers() {
            return inputTokensPointer.isPresent() || outputTokensPointer.isPresent();
        }
    }

    private final Policy defaults;
    private final Map<String, Policy> configured = new HashMap<>();

    public EndpointPolicies(SagewatchConfig config) {
        Duration timeout = config.sagemaker().timeout();
        int maxConcurrent = config.limits().maxConcurrentPerEndpoint();
        Duration silence = config.sagemaker().streamSilenceTimeout();
        defaults =
                new Policy(timeout, silence, maxConcurrent, Optional.empty(), Optional.empty(), Optional.empty(), null);
        config.endpoint()
                .forEach((name, settings) -> configured.put(
                        name,
                        new Policy(
                                settings.timeout().orElse(timeout),
                                settings.streamSilenceTimeout().orElse(silence),
                                settings.maxConcurrent().orElse(maxConcurrent),
                                settings.contentTypes(),
                                settings.inputTokensPointer(),
                                settings.outputTokensPointer(),
                                priced(settings.price()) ? settings.price() : null)));
    }

    public Policy of(String endpoint) {
        return configured.getOrDefault(endpoint, defaults);
    }

    private static boolean priced(SagewatchConfig.Price price) {
        return price.perInvocation() != 0 || price.per1kInputTokens() != 0 || price.per1kOutputTokens() != 0;
    }
}
