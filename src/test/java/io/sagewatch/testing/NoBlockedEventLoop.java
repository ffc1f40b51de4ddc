package io.sagewatch.testing;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fails any test during which Vert.x reported a blocked event loop (threshold: quarkus.vertx.max-event-loop-execute-time
 * in the test profile). Registered for every test by JUnit's extension auto-detection.
 */
public class NoBlockedEventLoop implements BeforeEachCallback, AfterEachCallback {

    static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(NoBlockedEventLoop.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put("log", CapturedLog.of(CHECKER));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try (CapturedLog log = context.getStore(NAMESPACE).remove("log", CapturedLog.class)) {
            List<String> warnings = log.messages();
            if (!warnings.isEmpty() && !blocksOnPurpose(context)) {
                fail("An event-loop thread was blocked during this test: " + warnings);
            }
        }
    }

    /** By name: Quarkus loads the test class in its own class loader, so the annotation's Class differs. */
    private static boolean blocksOnPurpose(ExtensionContext context) {
        return Arrays.stream(context.getRequiredTestMethod().getAnnotations())
                .anyMatch(a -> a.annotationType().getName().equals(BlocksEventLoopOnPurpose.class.getName()));
    }
}
