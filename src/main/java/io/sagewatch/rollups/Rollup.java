package io.sagewatch.rollups;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.InferenceOutcome;

/**
 * What a span of time saw of one endpoint: counts, sums and latency sketches, each of which adds up exactly across
 * replicas and spans ({@link #merge}). The quantities are the record's ({@code latency_ms}, {@code model_latency_ms},
 * {@code overhead_latency_ms}, {@code time_to_first_token_ms}, {@code input_tokens}, {@code output_tokens},
 * {@code estimated_cost_usd}), read from the outcome as the record reads them.
 */
public final class Rollup {

    /** How a failed inference is counted, by who failed it: the caller, a limit, the model, or the gateway's way to it. */
    public enum ErrorClass {
        /** 4xx other than throttling: the request was wrong or not allowed. */
        CLIENT,
        /** A concurrency limit, a budget, or the model host throttling (429, or SageMaker's ThrottlingException). */
        THROTTLED,
        /** The model host answered with an error. */
        MODEL,
        /** No answer before the gateway's deadline. */
        DEADLINE,
        /** The model host could not be reached, or the connection broke. */
        TRANSPORT,
        /** The gateway failed the request itself (5xx). */
        GATEWAY
    }

    private static final int FORMAT = 1;

    long invocations;
    final long[] errors = new long[ErrorClass.values().length];
    double latencySum;
    double modelLatencySum;
    double overheadSum;
    long inputTokens;
    long outputTokens;
    double costUsd;
    final LatencySketch latency = new LatencySketch();
    final LatencySketch modelLatency = new LatencySketch();
    final LatencySketch overhead = new LatencySketch();
    final LatencySketch timeToFirstToken = new LatencySketch();

    public static ErrorClass classify(InferenceError error) {
        if (error.status() == 429 || error.is(ErrorType.THROTTLING)) { // SageMaker's own throttling is a 400
            return ErrorClass.THROTTLED;
        }
        return switch (error.origin()) {
            case UPSTREAM -> ErrorClass.MODEL;
            case DEADLINE -> ErrorClass.DEADLINE;
            case TRANSPORT -> ErrorClass.TRANSPORT;
            case GATEWAY -> error.status() < 500 ? ErrorClass.CLIENT : ErrorClass.GATEWAY;
        };
    }

    public void add(InferenceOutcome outcome) {
        invocations++;
        if (outcome.error() != null) {
            errors[classify(outcome.error()).ordinal()]++;
        }
        double total = outcome.totalNanos() / 1e6;
        double model = outcome.modelLatencyNanos() / 1e6;
        double gateway = outcome.overheadNanos() / 1e6;
        latencySum += total;
        modelLatencySum += model;
        overheadSum += gateway;
        latency.add(total);
        if (outcome.modelCall().latencyNanos() > 0) {
            modelLatency.add(model); // a refusal never reached the model: it has no model latency to rank
        }
        overhead.add(gateway);
        if (outcome.stream() != null && outcome.stream().firstPartNanos() >= 0) {
            timeToFirstToken.add(outcome.stream().firstPartNanos() / 1e6);
        }
        if (outcome.tokens() != null) {
            inputTokens += outcome.tokens().inputTokens() == null
                    ? 0
                    : outcome.tokens().inputTokens();
            outputTokens += outcome.tokens().outputTokens() == null
                    ? 0
                    : outcome.tokens().outputTokens();
        }
        if (outcome.costUsd() != null) {
            costUsd += outcome.costUsd();
        }
    }

    public void merge(Rollup other) {
        invocations += other.invocations;
        for (int i = 0; i < errors.length; i++) {
            errors[i] += other.errors[i];
        }
        latencySum += other.latencySum;
        modelLatencySum += other.modelLatencySum;
        overheadSum += other.overheadSum;
        inputTokens += other.inputTokens;
        outputTokens += other.outputTokens;
        costUsd += other.costUsd;
        latency.merge(other.latency);
        modelLatency.merge(other.modelLatency);
        overhead.merge(other.overhead);
        timeToFirstToken.merge(other.timeToFirstToken);
    }

    public long invocations() {
        return invocations;
    }

    public long errors(ErrorClass errorClass) {
        return errors[errorClass.ordinal()];
    }

    public long errors() {
        long sum = 0;
        for (long count : errors) {
            sum += count;
        }
        return sum;
    }

    public double errorRate() {
        return invocations == 0 ? 0 : (double) errors() / invocations;
    }

    public long inputTokens() {
        return inputTokens;
    }

    public long outputTokens() {
        return outputTokens;
    }

    public double costUsd() {
        return costUsd;
    }

    public double meanLatency() {
        return invocations == 0 ? Double.NaN : latencySum / invocations;
    }

    public LatencySketch latency() {
        return latency;
    }

    public LatencySketch modelLatency() {
        return modelLatency;
    }

    /** The gateway's own share of each inference's latency. */
    public LatencySketch overhead() {
        return overhead;
    }

    public LatencySketch timeToFirstToken() {
        return timeToFirstToken;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(invocations);
            out.writeByte(errors.length);
            for (long count : errors) {
                out.writeLong(count);
            }
            out.writeDouble(latencySum);
            out.writeDouble(modelLatencySum);
            out.writeDouble(overheadSum);
            out.writeLong(inputTokens);
            out.writeLong(outputTokens);
            out.writeDouble(costUsd);
            latency.write(out);
            modelLatency.write(out);
            overhead.write(out);
            timeToFirstToken.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Rollup fromBytes(byte[] stored) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown rollup format " + format);
            }
            Rollup rollup = new Rollup();
            rollup.invocations = in.readLong();
            int classes = in.readByte();
            for (int i = 0; i < classes; i++) {
                long count = in.readLong();
                if (i < rollup.errors.length) {
                    rollup.errors[i] = count;
                }
            }
            rollup.latencySum = in.readDouble();
            rollup.modelLatencySum = in.readDouble();
            rollup.overheadSum = in.readDouble();
            rollup.inputTokens = in.readLong();
            rollup.outputTokens = in.readLong();
            rollup.costUsd = in.readDouble();
            rollup.latency.merge(LatencySketch.read(in));
            rollup.modelLatency.merge(LatencySketch.read(in));
            rollup.overhead.merge(LatencySketch.read(in));
            rollup.timeToFirstToken.merge(LatencySketch.read(in));
            return rollup;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeVarint(DataOutputStream out, int value) throws IOException {
        int rest = value;
        while ((rest & ~0x7f) != 0) {
            out.writeByte((rest & 0x7f) | 0x80);
            rest >>>= 7;
        }
        out.writeByte(rest);
    }

    static int readVarint(DataInputStream in) throws IOException {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("varint too long");
    }
}
