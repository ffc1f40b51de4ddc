package io.sagewatch.console;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.sagewatch.auth.ConsoleSession;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * What every console response carries: a Content-Security-Policy that lets the pages load only their own scripts,
 * styles and connections (no inline script, no other origin, no framing), and headers that keep pages out of caches
 * and referrers. In dev mode, {@code /} leads to the console. With the console off, its paths do not exist.
 */
@ApplicationScoped
public class ConsoleHeaders {

    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /** Before the key check (a higher priority runs first), so that its refusals and redirects carry the headers. */
    static final int FILTER_PRIORITY = 2_000;

    private final boolean enabled;

    ConsoleHeaders(io.sagewatch.config.SagewatchConfig config) {
        this.enabled = config.console().enabled();
    }

    void register(@Observes Filters filters) {
        filters.register(this::headers, FILTER_PRIORITY);
    }

    void devRoot(@Observes Router router) {
        if (enabled && LaunchMode.current() == LaunchMode.DEVELOPMENT) {
            // before dev mode's welcome page
            router.get("/").order(-1).handler(routing -> routing.redirect(ConsoleSession.PATH));
        }
    }

    private void headers(RoutingContext routing) {
        String path = routing.normalizedPath();
        if (path != null && (path.equals(ConsoleSession.PATH) || path.startsWith(ConsoleSession.PATH + "/"))) {
            if (!enabled) {
                routing.response().setStatusCode(404).end(); // sagewatch.console.enabled=false: there is no console
                return;
            }
            boolean asset = path.startsWith(ConsoleSession.PATH + "/assets/")
                    || path.startsWith(ConsoleSession.PATH + "/vendor/");
            routing.addHeadersEndHandler(ignored -> {
                MultiMap headers = routing.response().headers();
                headers.set("Content-Security-Policy", POLICY);
                headers.set("X-Content-Type-Options", "nosniff");
                headers.set("Referrer-Policy", "no-referrer");
                headers.set("X-Frame-Options", "DENY");
                if (!asset) {
                    headers.set("Cache-Control", "no-store");
                }
            });
        }
        routing.next();
    }
}
