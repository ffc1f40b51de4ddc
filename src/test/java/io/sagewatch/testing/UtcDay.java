package io.sagewatch.testing;

import java.time.Duration;

/**
 * Day-long budget windows turn at midnight UTC: a test that counts in one must not straddle it (CI once ran one at
 * 23:59:58, and its count started again half-way).
 */
public final class UtcDay {

    private static final long DAY_MILLIS = 86_400_000L;

    private UtcDay() {}

    /** Unless {@code needed} is left of the current UTC day, waits for the next (so at most {@code needed}). */
    public static void awaitRoomFor(Duration needed) throws InterruptedException {
        long left = DAY_MILLIS - System.currentTimeMillis() % DAY_MILLIS;
        if (left < needed.toMillis()) {
            Thread.sleep(left + 100);
        }
    }
}
