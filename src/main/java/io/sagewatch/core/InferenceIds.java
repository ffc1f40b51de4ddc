package io.sagewatch.core;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Time-ordered request ids (UUID version 7, RFC 9562): sorting them as strings sorts them by arrival, which the
 * record table uses to find the newest record of an inference id.
 */
public final class InferenceIds {

    private InferenceIds() {}

    public static String newRequestId() {
        return uuid7(System.currentTimeMillis()).toString();
    }

    static UUID uuid7(long epochMillis) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
