package io.sagewatch.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.HttpHeaders;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceIds;
import io.sagewatch.sagemaker.SageMakerHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * A body over the HTTP server's own limit ({@code quarkus.http.limits.max-body-size}) is refused in SageMaker's shape,
 * a 413 ValidationError naming the limit, before the server's bare 413: SDKs then print why. Declared lengths are
 * checked here, first of all. A chunked body that grows past the limit is refused by the server as it reads it, with
 * an empty body that cannot be replaced by then; it gets SageMaker's error headers here, so SDKs still raise a
 * ValidationError (without a message).
 */
@ApplicationScoped
public class BodyLimitFilter {

    /** Before every other filter: nothing needs to run for a body that will not be read. */
    static final int FILTER_PRIORITY = 2_000;

    private final long maxBodyBytes;

    BodyLimitFilter(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxBodyBytes = maxBodySize.asLongValue();
    }

    void register(@Observes Filters filters) {
        filters.register(this::refuseOversizedBodies, FILTER_PRIORITY);
    }

    void refuseOversizedBodies(RoutingContext routing) {
        String length = routing.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        long declared;
        try {
            declared = length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            declared = -1; // RequestLimitsFilter refuses it in words
        }
        if (declared > maxBodyBytes) {
            routing.response().putHeader("Connection", "close");
            SageMakerErrorResponses.send(routing, tooLarge(declared + " bytes were declared"));
            return;
        }
        if (length == null && routing.request().headers().contains("Transfer-Encoding")) {
            routing.addHeadersEndHandler(ignored -> {
                var response = routing.response();
                if (response.getStatusCode() == 413 && response.headers().get(SageMakerHeaders.ERROR_TYPE) == null) {
                    response.putHeader(SageMakerHeaders.ERROR_TYPE, ErrorType.VALIDATION_ERROR.code());
                    response.putHeader(SageMakerHeaders.REQUEST_ID, InferenceIds.newRequestId());
                }
            });
        }
        routing.next();
    }

    private InferenceError tooLarge(String what) {
        return InferenceError.gateway(
                ErrorType.VALIDATION_ERROR.code(),
                413,
                "The request body is over the " + maxBodyBytes
                        + " bytes this gateway reads (quarkus.http.limits.max-body-size): " + what);
    }
}
