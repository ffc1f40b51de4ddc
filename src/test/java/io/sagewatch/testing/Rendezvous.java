package io.sagewatch.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Proves that the model call and the record write overlap, without timing: the table gate holds the in-progress write
 * of an inference until its model call has arrived, and the model fake answers only while that write is held. A
 * pipeline that runs the two one after the other cannot satisfy both and times out (after {@link #PATIENCE_SECONDS}).
 */
public final class Rendezvous {

    static final long PATIENCE_SECONDS = 5;

    private static final class Meeting {
        final CountDownLatch modelArrived = new CountDownLatch(1);
        final CountDownLatch writeHeld = new CountDownLatch(1);
        /** The gate stopped waiting for the model and let the write through. */
        volatile boolean gateGaveUp;
    }

    private static final Map<String, Meeting> MEETINGS = new ConcurrentHashMap<>();

    private Rendezvous() {}

    private static Meeting meeting(String inferenceId) {
        return MEETINGS.computeIfAbsent(inferenceId, id -> new Meeting());
    }

    /** Gate side: the in-progress write is held; returns whether the model call arrived meanwhile. */
    static boolean holdWrite(String inferenceId) throws InterruptedException {
        Meeting m = meeting(inferenceId);
        m.writeHeld.countDown();
        boolean met = m.modelArrived.await(PATIENCE_SECONDS, TimeUnit.SECONDS);
        m.gateGaveUp = !met;
        return met;
    }

    /** Fake side: the model call arrived; returns whether the record write was being held at the same time. */
    static boolean modelArrived(String inferenceId) throws InterruptedException {
        Meeting m = meeting(inferenceId);
        m.modelArrived.countDown();
        return m.writeHeld.await(PATIENCE_SECONDS, TimeUnit.SECONDS) && !m.gateGaveUp;
    }
}
