package io.sagewatch.api;

import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceError;

/**
 * Which endpoint names a request may name: SageMaker's own name rule, then the configured allowlist. Holds for every
 * route, invocations and record reads alike, so no route reveals anything about other endpoints.
 */
@ApplicationScoped
public class EndpointAccess {

    /** SageMaker's EndpointName constraint. */
    static final Pattern ENDPOINT_NAME = Pattern.compile("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$");

    static final int MAX_ENDPOINT_NAME = 63;

    private final Set<String> allowed;

    EndpointAccess(SagewatchConfig config) {
        this.allowed = config.endpoints().allowed().orElse(Set.of());
    }

    public String check(String endpointName) {
        if (endpointName == null
                || endpointName.isEmpty()
                || endpointName.length() > MAX_ENDPOINT_NAME
                || !ENDPOINT_NAME.matcher(endpointName).matches()) {
            throw InferenceError.validation("1 validation error detected: Value '" + printable(endpointName)
                    + "' at 'endpointName' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                    + "^[a-zA-Z0-9](-*[a-zA-Z0-9])*$ and have length less than or equal to 63");
        }
        if (!allowed.contains(endpointName)) {
            throw InferenceError.validation(
                    "Endpoint " + endpointName + " is not enabled on this gateway " + "(sagewatch.endpoints.allowed)");
        }
        return endpointName;
    }

    /** Echo a bad name back without letting control characters or huge values into the answer. */
    private static String printable(String value) {
        if (value == null) {
            return "";
        }
        String cut = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return cut.replaceAll("[^\\p{Print}]", "?");
    }
}
