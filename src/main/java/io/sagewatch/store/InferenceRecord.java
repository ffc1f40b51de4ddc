package io.sagewatch.store;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One inference as stored in DynamoDB and served by the record routes (JSON in snake_case, like the table's
 * attributes). Latencies are milliseconds with microsecond precision. Its fields are listed once more, with how each is
 * stored, in {@link InferenceRecordItem#FIELDS}, and nowhere else.
 */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InferenceRecord(
        String inferenceId,
        String requestId,
        String endpoint,
        Status status,
        Integer httpStatus,
        String errorType,
        String errorMessage,
        String variant,
        String targetModel,
        String targetVariant,
        String targetContainerHostname,
        String inferenceComponent,
        String caller,
        Instant receivedAt,
        Instant finishedAt,
        Double latencyMs,
        Double modelLatencyMs,
        Double overheadMs,
        Integer attempts,
        long requestBytes,
        Long responseBytes,
        String requestContentType,
        String responseContentType,
        Long inputTokens,
        Long outputTokens,
        Double costUsd,
        Long parts,
        Double timeToFirstPartMs,
        Double addedTimeToFirstPartMs,
        Double interPartP50Ms,
        Double interPartP99Ms,
        Double streamDurationMs,
        Double tokensPerSecond,
        CapturedPayload input,
        CapturedPayload output,
        long expiresAt) {

    public enum Status {
        IN_PROGRESS, SUCCEEDED, FAILED
    }
}
