package io.sagewatch.api;

import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceError;
import io.vertx.core.http.HttpServerRequest;

/**
 * Limits every request meets before it is matched, read, sent or written anywhere: header count and size, path
 * length, and a declared body size. Each refusal is a ValidationError in SageMaker's shape. (Beyond the HTTP server's
 * own, larger limits, 20 KB of headers and a 4 KB request line, the server answers a plain 431 or 414 itself.)
 */
public class RequestLimitsFilter {

    private final InvocationRequestParser parser;
    private final SagewatchConfig.Limits limits;

    RequestLimitsFilter(InvocationRequestParser parser, SagewatchConfig config) {
        this.parser = parser;
        this.limits = config.limits();
    }

    @ServerRequestFilter(preMatching = true)
    public void refuseOversizedRequests(HttpServerRequest request, HttpHeaders headers) {
        String path = request.path();
        if (path != null && path.length() > limits.maxPathLength()) {
            throw InferenceError.validation("The request path is " + path.length() + " characters long, over the "
                    + limits.maxPathLength() + " allowed");
        }
        var all = request.headers();
        if (all.size() > limits.maxHeaders()) {
            throw InferenceError.validation(
                    "The request has " + all.size() + " headers, over the " + limits.maxHeaders() + " allowed");
        }
        long headerBytes = 0;
        for (var header : all) {
            headerBytes += header.getKey().length() + header.getValue().length() + 4;
        }
        if (headerBytes > limits.maxHeaderBytes()) {
            throw InferenceError.validation("The request headers take " + headerBytes + " bytes, over the "
                    + limits.maxHeaderBytes() + " allowed");
        }
        String length = headers.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return; // chunked: the parser checks the body once read
        }
        long bytes;
        try {
            bytes = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            throw InferenceError.validation("Content-Length is not a number");
        }
        parser.checkSize(bytes);
    }
}
