package io.sagewatch.monitor.features;

/**
 * What one sampled inference gives the monitor: its input and output as they passed through, and the token counts the
 * gateway read (null when unknown).
 *
 * @param streamed the output is a stream's parts reassembled (server-sent events or JSON lines)
 */
public record Sample(
        byte[] input,
        String inputContentType,
        byte[] output,
        String outputContentType,
        Long inputTokens,
        Long outputTokens,
        boolean streamed) {}
