package io.sagewatch.sagemaker;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.sagewatch.aws.AbandonableCall;
import io.sagewatch.aws.EventStreamMessage;
import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.sagewatch.core.StreamPart;
import io.sagewatch.json.Json;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * InvokeEndpointWithResponseStream's answer body, read as parts on demand. The HTTP response stays paused except to
 * fetch one more chunk when the parts decoded so far have all been taken and more are asked for: a slow reader leaves
 * the bytes in the socket (TCP pushes back on the model), never in the gateway's memory. At most one chunk's parts and
 * one incomplete message are held per stream.
 * <p>
 * Deadlines: the first part by an instant and at most {@code silence} between parts, on the model's time only (while
 * the gateway is asking for bytes); and at most {@code silence} for the reader to take a part that waits for it, so a
 * client that stopped reading does not hold the model's connection for ever. A reader nobody subscribes to by the first
 * part's deadline lets its call go. Everything runs on the response's event loop; demand signalled from elsewhere is
 * moved there.
 */
final class ResponseStreamReader {

    private static final ObjectMapper JSON = Json.MAPPER;
    /** While nothing is asked of the model, the deadlines are looked at again this often. */
    private static final long RECHECK_NANOS = 100_000_000L;

    private final Vertx vertx;
    private final Context context;
    private final HttpClientResponse response;
    private final AbandonableCall call;
    private final long firstPartBy;
    private final long silenceNanos;
    private final EventStreamMessage.Decoder decoder = new EventStreamMessage.Decoder();
    /** False: the body is the model's own bytes in plain HTTP chunks (an endpoint's OpenAI route), each one part. */
    private final boolean eventStream;

    private final ArrayDeque<StreamPart> ready = new ArrayDeque<>();

    private MultiEmitter<? super StreamPart> emitter;
    private InferenceError failure;
    /** The response's end (or its failure) has been handled: its connection is no longer this call's. */
    private boolean ended;

    private boolean fetching;
    private boolean anyPart;
    private boolean done;
    private boolean draining;
    private boolean drainAgain;
    /** When the model last made progress, or when the gateway last started waiting for it (nanoTime). */
    private long waitingSince;
    /** Since when a part has waited for the reader to ask for it; -1 while none waits. */
    private long readerBehindSince = -1;

    private long timer = -1;

    /** Created on the response's event loop, before any of its body is handled. */
    ResponseStreamReader(
            Vertx vertx,
            HttpClientResponse response,
            AbandonableCall call,
            long firstPartBy,
            Duration silence,
            boolean eventStream) {
        this.vertx = vertx;
        this.eventStream = eventStream;
        this.context = vertx.getOrCreateContext();
        this.response = response;
        this.call = call;
        this.firstPartBy = firstPartBy;
        this.silenceNanos = silence.toNanos();
        response.pause();
        response.handler(this::received);
        response.endHandler(ignored -> {
            ended = true;
            call.answered();
            if (decoder.pendingBytes() > 0 && failure == null) {
                failure =
                        broken("The model's stream ended inside an event (" + decoder.pendingBytes() + " bytes of it)");
            }
            drain();
        });
        response.exceptionHandler(error -> {
            if (failure == null && !ended) {
                failure = broken("The connection to the model broke mid-stream: " + error.getMessage());
            }
            ended = true;
            call.answered();
            drain();
        });
        schedule(firstPartBy);
    }

    /** The parts, for one subscriber. */
    Multi<StreamPart> parts() {
        return Multi.createFrom()
                .emitter(subscriber -> context.runOnContext(ignored -> attach(subscriber)), BackPressureStrategy.ERROR);
    }

    private void attach(MultiEmitter<? super StreamPart> subscriber) {
        if (emitter != null || done) {
            subscriber.fail(new IllegalStateException("a stream's parts can be read once, while it is open"));
            return;
        }
        emitter = subscriber;
        subscriber.onRequest(n -> onContext(this::drain));
        subscriber.onTermination(() -> onContext(this::terminated));
        waitingSince = System.nanoTime();
        drain();
    }

    private void onContext(Runnable action) {
        if (Vertx.currentContext() == context) {
            action.run();
        } else {
            context.runOnContext(ignored -> action.run());
        }
    }

    private void received(Buffer chunk) {
        fetching = false;
        if (failure != null || done) {
            return;
        }
        long now = System.nanoTime();
        boolean firstPart = !anyPart;
        if (!eventStream) {
            if (chunk.length() > 0) {
                ready.add(new StreamPart(chunk.getBytes(), now));
                anyPart = true;
                waitingSince = now;
            }
            if (firstPart && anyPart) {
                cancelTimer();
                schedule();
            }
            drain();
            return;
        }
        List<EventStreamMessage> messages;
        try {
            messages = decoder.feed(chunk.getBytes());
        } catch (EventStreamMessage.MalformedStream malformed) {
            failure = broken("The model's stream is not a valid event stream: " + malformed.getMessage());
            drain();
            return;
        }
        for (EventStreamMessage message : messages) {
            if (!read(message, now)) {
                break;
            }
        }
        if (!messages.isEmpty()) {
            waitingSince = now;
        }
        if (firstPart && anyPart) {
            // from now on the silence deadline applies, which may come before the first part's
            cancelTimer();
            schedule();
        }
        drain();
    }

    /** One message: a part is queued, an error ends the stream; false to stop reading. */
    private boolean read(EventStreamMessage message, long now) {
        String type = message.header(":message-type");
        if ("event".equals(type)) {
            if ("PayloadPart".equals(message.header(":event-type"))) {
                ready.add(new StreamPart(message.payload(), now));
                anyPart = true;
            }
            return true; // other event types: newer than this reader, skipped
        }
        if ("exception".equals(type)) {
            String exception = message.header(":exception-type");
            ErrorType errorType = ErrorType.INTERNAL_STREAM_FAILURE.code().equals(exception)
                    ? ErrorType.INTERNAL_STREAM_FAILURE
                    : ErrorType.MODEL_STREAM_ERROR;
            JsonNode json = json(message.payload());
            String text = json == null
                    ? null
                    : json.path("Message").asText(json.path("message").asText(null));
            byte[] raw = errorType.code().equals(exception) && json != null ? message.payload() : null;
            failure = InferenceError.inStream(
                    InferenceError.Origin.UPSTREAM,
                    errorType,
                    text != null ? text : "The model's stream failed (" + exception + ")",
                    raw);
            return false;
        }
        // ":message-type error": the service's own framing of a failure
        failure = InferenceError.inStream(
                InferenceError.Origin.UPSTREAM,
                ErrorType.INTERNAL_STREAM_FAILURE,
                "The stream failed: " + message.header(":error-code") + " " + message.header(":error-message"),
                null);
        return false;
    }

    /**
     * Hands over what is asked for, then ends the stream or fetches more. Emitting can call back into this (a
     * subscriber that asks for the next part from inside its handler): such a call only marks another round, so
     * demand is read afresh after every part and never overrun.
     */
    private void drain() {
        if (draining) {
            drainAgain = true;
            return;
        }
        draining = true;
        try {
            do {
                drainAgain = false;
                drainOnce();
            } while (drainAgain && !done);
        } finally {
            draining = false;
        }
    }

    private void drainOnce() {
        if (done || emitter == null) {
            return;
        }
        while (!ready.isEmpty() && emitter.requested() > 0 && !done) {
            emitter.emit(ready.poll());
        }
        if (done) {
            return;
        }
        if (!ready.isEmpty()) {
            behindFrom(System.nanoTime());
        } else if (failure != null) {
            finish();
            emitter.fail(failure);
        } else if (ended) {
            finish();
            emitter.complete();
        } else if (emitter.requested() > 0) {
            readerBehindSince = -1;
            if (!fetching) {
                fetching = true;
                waitingSince = System.nanoTime();
                response.fetch(1);
            }
        } else if (!fetching) {
            // the last part went out and none is asked for yet: the reader is behind, not the model
            behindFrom(System.nanoTime());
        }
    }

    private void behindFrom(long now) {
        if (readerBehindSince < 0) {
            readerBehindSince = now;
        }
    }

    private void schedule() {
        schedule(anyPart ? waitingSince + silenceNanos : firstPartBy);
    }

    /** Deadlines: one timer at a time, re-armed for the next instant anything could be late. */
    private void schedule(long due) {
        if (done) {
            return;
        }
        long delayMillis = Math.max(1, (due - System.nanoTime() + 999_999) / 1_000_000);
        timer = vertx.setTimer(delayMillis, ignored -> {
            timer = -1;
            checkDeadlines();
        });
    }

    private void checkDeadlines() {
        if (done) {
            return;
        }
        long now = System.nanoTime();
        if (emitter == null) {
            if (now - firstPartBy >= 0) {
                // nobody came for the parts (the request was given up as the stream began)
                done = true;
                release();
            } else {
                schedule(firstPartBy);
            }
            return;
        }
        // only while the gateway asks for bytes and none come is the model late
        boolean waitingOnModel = fetching && failure == null && !ended;
        if (waitingOnModel && !anyPart && now - firstPartBy >= 0) {
            expire(InferenceError.inStream(
                    InferenceError.Origin.DEADLINE,
                    ErrorType.MODEL_STREAM_ERROR,
                    "Sagewatch received no part from the model within its first-part deadline; the invocation was "
                            + "cancelled.",
                    null));
        } else if (waitingOnModel && anyPart && now - waitingSince >= silenceNanos) {
            expire(InferenceError.inStream(
                    InferenceError.Origin.DEADLINE,
                    ErrorType.MODEL_STREAM_ERROR,
                    "The model sent nothing for "
                            + Duration.ofNanos(silenceNanos).toMillis()
                            + " ms mid-stream; the invocation was cancelled.",
                    null));
        } else if (!waitingOnModel && readerBehindSince >= 0 && now - readerBehindSince >= silenceNanos) {
            readerGone();
        } else if (!waitingOnModel) {
            schedule(now + RECHECK_NANOS);
        } else {
            schedule();
        }
    }

    /** The model is late: the stream fails, and the call is let go. */
    private void expire(InferenceError deadline) {
        failure = deadline;
        drain();
    }

    /** The client took no part for the silence deadline: the stream ends here, and the model's call with it. */
    private void readerGone() {
        failure = InferenceError.of(
                ErrorType.CLIENT_DISCONNECTED,
                "The client read nothing for " + Duration.ofNanos(silenceNanos).toMillis()
                        + " ms; Sagewatch ended the stream");
        ready.clear();
        done = true;
        cancelTimer();
        release();
        emitter.fail(failure);
    }

    /** The subscriber completed, failed or cancelled: stop the timer, and let the call go unless it ended. */
    private void terminated() {
        if (!done) {
            finish();
        }
    }

    private void finish() {
        done = true;
        ready.clear();
        cancelTimer();
        release();
    }

    private void cancelTimer() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /**
     * Lets the call go. A response that has ended returned its connection to the pool: nothing to do. One that has
     * not may have ended already on the wire, its end still queued behind the paused parts, and its connection back in
     * the pool, serving another call; resetting it would break that call. So the rest is read and dropped first, and
     * the request is reset only if its end was not among what was queued (then the model is still sending).
     */
    private void release() {
        if (ended) {
            return;
        }
        response.handler(ignored -> {});
        response.endHandler(ignored -> {
            ended = true;
            call.answered();
        });
        response.exceptionHandler(ignored -> {
            ended = true;
            call.answered();
        });
        response.resume();
        // after the queued parts (resume delivers them on a later turn of this event loop)
        context.runOnContext(ignored -> {
            if (!ended) {
                call.abandon();
            }
        });
    }

    private static InferenceError broken(String message) {
        return InferenceError.inStream(InferenceError.Origin.TRANSPORT, ErrorType.MODEL_STREAM_ERROR, message, null);
    }

    private static JsonNode json(byte[] payload) {
        try {
            return payload.length > 0 && payload[0] == '{' ? JSON.readTree(payload) : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
