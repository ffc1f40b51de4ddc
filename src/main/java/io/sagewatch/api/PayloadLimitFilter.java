package io.sagewatch.api;

import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.sagewatch.inference.InferenceError;

/** Refuses an oversized body from its declared length, before it is read, sent or written anywhere. */
public class PayloadLimitFilter {

    private final InvocationRequestParser parser;

    PayloadLimitFilter(InvocationRequestParser parser) {
        this.parser = parser;
    }

    @ServerRequestFilter(preMatching = true)
    public void refuseOversizedBody(HttpHeaders headers) {
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
