package io.sagewatch.testing;

import java.util.Arrays;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Lambda build runs the suite again to see requests arrive as API Gateway events; a test class that starts no
 * gateway (no {@code @QuarkusTest}: the metrics' arithmetic, the formats, the architecture rules) makes no request and
 * does not depend on the build, so it runs in the default build only (integration tests, which test the build's
 * artifact, always run). Registered for every test by JUnit's extension
 * auto-detection.
 */
public class OneBuildOnly implements ExecutionCondition {

    private static final String QUARKUS_TEST = "io.quarkus.test.junit.QuarkusTest";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!Gateway.isLambdaBuild()
                || context.getTestClass().isEmpty()
                || context.getTestMethod().isPresent()) {
            return ConditionEvaluationResult.enabled("not a test class in the Lambda build");
        }
        Class<?> outer = context.getTestClass().get();
        while (outer.getEnclosingClass() != null) {
            outer = outer.getEnclosingClass();
        }
        if (outer.getSimpleName().endsWith("IT")) {
            return ConditionEvaluationResult.enabled("an integration test: it tests the build's artifact");
        }
        // by name: Quarkus loads test classes in its own class loader
        boolean startsGateway = Arrays.stream(outer.getAnnotations())
                .anyMatch(a -> a.annotationType().getName().equals(QUARKUS_TEST));
        return startsGateway
                ? ConditionEvaluationResult.enabled("starts a gateway")
                : ConditionEvaluationResult.disabled("starts no gateway: build-independent, run in the default build");
    }
}
