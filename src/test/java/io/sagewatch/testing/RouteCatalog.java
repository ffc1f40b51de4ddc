package io.sagewatch.testing;

import java.util.List;
import java.util.Objects;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;

/** The HTTP routes the running application registered (Quarkus' own and the extensions'), for route tests. */
@ApplicationScoped
public class RouteCatalog {

    private static volatile Router router;

    void keep(@Observes Router started) {
        router = started;
    }

    /**
     * The paths of the routes registered with a fixed path, deduplicated; none when the gateway runs in another process
     * (an integration test against the packaged or native build: its JVM twin reads the router).
     */
    public static List<String> paths() {
        if (router == null) {
            return List.of();
        }
        return router.getRoutes().stream()
                .map(Route::getPath)
                .filter(Objects::nonNull)
                .distinct()
                .sorted()
                .toList();
    }
}
