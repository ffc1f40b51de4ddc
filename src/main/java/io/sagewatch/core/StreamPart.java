package io.sagewatch.core;

/**
 * One part of a streamed answer, as the model sent it.
 *
 * @param receivedNanos {@link System#nanoTime()} when the gateway had it whole
 */
public record StreamPart(byte[] bytes, long receivedNanos) {}
