package io.sagewatch.core;

/** What the endpoint answered: body and content type pass through to the client unchanged. */
public record ModelResponse(
        byte[] body,
        String contentType,
        String invokedProductionVariant,
        String customAttributes,
        String newSessionId,
        String closedSessionId) {}
