package io.sagewatch.aws;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;

/**
 * One outgoing HTTP call that may be abandoned (a cancelled inference, a write past its deadline) without harming
 * another. Resetting an HTTP/1.1 request closes its connection, and once the call's answer has been handled that
 * connection is back in the pool serving another call. So the reset runs on the request's own event loop, where the
 * answer is handled too, and only if the answer has not been: the check and the answer cannot interleave there.
 */
public final class AbandonableCall {

    private volatile HttpClientRequest request;
    private volatile Context context;
    private volatile boolean answered;
    private volatile boolean abandoned;

    /**
     * The request is created (a pooled connection is assigned); called on its event loop. False when the call was
     * abandoned meanwhile: the request is reset unsent (its connection stays in the pool) and must not be sent.
     */
    public boolean started(HttpClientRequest started) {
        this.context = Vertx.currentContext();
        // a reset of ours raises a stream-reset failure that Vert.x would log as an error without a handler; the
        // call's own future fails with it all the same
        started.exceptionHandler(ignored -> {});
        this.request = started;
        // read after the write above, as abandon() reads request after writing abandoned: one of the two sees the other
        if (abandoned) {
            started.reset();
            return false;
        }
        return true;
    }

    /** The answer (or the failure) has been handled; called on the request's event loop. */
    public void answered() {
        answered = true;
    }

    public void abandon() {
        abandoned = true;
        HttpClientRequest started = request;
        if (started == null || answered) {
            return; // not started: started() sees the flag and never sends it
        }
        // context is set before request, on the request's event loop
        context.runOnContext(ignored -> {
            if (!answered) {
                started.reset();
            }
        });
    }
}
