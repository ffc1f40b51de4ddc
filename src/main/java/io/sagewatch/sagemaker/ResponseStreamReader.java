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
 * Two deadlines, measured on the model's time only (not while the reader is the one holding things up): the first
 * part by an instant, and at most {@code silence} between parts. Everything runs on the response's event loop;
 * demand signalled from elsewhere is moved there.
 */
final class ResponseStreamReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** While the reader, not the model, holds the stream up, the deadlines are looked at again this often. */
    private static final long READER_RECHECK_NANOS = 100_000_000L;

    private final Vertx vertx;
    private final Context context;
    private final HttpClientResponse response;
    private final AbandonableCall call;
    private final long firstPartBy;
    private final long silenceNanos;
    private final EventStreamMessage.Decoder decoder = new EventStreamMessage.Decoder();
    private final ArrayDeque<StreamPart> ready = new ArrayDeque<>();

    private MultiEmitter<? super StreamPart> emitter;
    private InferenceError failure;
    private boolean ended;
    private boolean fetching;
    private boolean anyPart;
    private boolean done;
    /** When the model last made progress, or when the gateway last started waiting for it (nanoTime). */
    private long waitingSince;
    private long timer = -1;

    /** Created on the response's event loop, before any of its body is handled. */
    ResponseStreamReader(Vertx vertx, HttpClientResponse response, AbandonableCall call, long firstPartBy,
            Duration silence) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.response = response;
        this.call = call;
        this.firstPartBy = firstPartBy;
        this.silenceNanos = silence.toNanos();
        response.pause();
        response.handler(this::received);
        response.endHandler(ignored -> {
            ended = true;
            if (decoder.pendingBytes() > 0 && failure == null) {
                failure = broken("The model's stream ended inside an event (" + decoder.pendingBytes()
                        + " bytes of it)");
            }
            drain();
        });
        response.exceptionHandler(error -> {
            if (failure == null && !ended) {
                failure = broken("The connection to the model broke mid-stream: " + error.getMessage());
            }
            ended = true;
            drain();
        });
    }

    /** The parts, for one subscriber. */
    Multi<StreamPart> parts() {
        return Multi.createFrom().emitter(subscriber -> context.runOnContext(ignored -> attach(subscriber)),
                BackPressureStrategy.ERROR);
    }

    private void attach(MultiEmitter<? super StreamPart> subscriber) {
        if (emitter != null) {
            subscriber.fail(new IllegalStateException("a stream's parts can be read once"));
            return;
        }
        emitter = subscriber;
        subscriber.onRequest(n -> onContext(this::drain));
        subscriber.onTermination(() -> onContext(this::terminated));
        waitingSince = System.nanoTime();
        schedule();
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
        if (firstPart && anyPart && timer >= 0) {
            // from now on the silence deadline applies, which may come before the first part's
            vertx.cancelTimer(timer);
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
                    ? ErrorType.INTERNAL_STREAM_FAILURE : ErrorType.MODEL_STREAM_ERROR;
            JsonNode json = json(message.payload());
            String text = json == null ? null : json.path("Message").asText(json.path("message").asText(null));
            byte[] raw = errorType.code().equals(exception) && json != null ? message.payload() : null;
            failure = InferenceError.inStream(InferenceError.Origin.UPSTREAM, errorType,
                    text != null ? text : "The model's stream failed (" + exception + ")", raw);
            return false;
        }
        // ":message-type error": the service's own framing of a failure
        failure = InferenceError.inStream(InferenceError.Origin.UPSTREAM, ErrorType.INTERNAL_STREAM_FAILURE,
                "The stream failed: " + message.header(":error-code") + " " + message.header(":error-message"), null);
        return false;
    }

    private void drain() {
        if (done || emitter == null) {
            return;
        }
        while (!ready.isEmpty() && emitter.requested() > 0) {
            emitter.emit(ready.poll());
        }
        if (!ready.isEmpty()) {
            return;
        }
        if (failure != null) {
            finish();
            emitter.fail(failure);
        } else if (ended) {
            finish();
            emitter.complete();
        } else if (emitter.requested() > 0 && !fetching) {
            fetching = true;
            waitingSince = System.nanoTime();
            response.fetch(1);
        }
    }

    /** Deadlines: one timer at a time, re-armed for the next instant anything could be late. */
    private void schedule() {
        schedule(anyPart ? waitingSince + silenceNanos : firstPartBy);
    }

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
        // only while the gateway asks for bytes and none come is the model late; not while the reader holds things up
        boolean waitingOnModel = fetching && failure == null && !ended;
        if (waitingOnModel && !anyPart && now - firstPartBy >= 0) {
            expire(InferenceError.inStream(InferenceError.Origin.DEADLINE, ErrorType.MODEL_STREAM_ERROR,
                    "Sagewatch received no part from the model within its first-part deadline; the invocation was "
                            + "cancelled.", null));
        } else if (waitingOnModel && anyPart && now - waitingSince >= silenceNanos) {
            expire(InferenceError.inStream(InferenceError.Origin.DEADLINE, ErrorType.MODEL_STREAM_ERROR,
                    "The model sent nothing for " + Duration.ofNanos(silenceNanos).toMillis()
                            + " ms mid-stream; the invocation was cancelled.", null));
        } else if (!waitingOnModel) {
            schedule(now + READER_RECHECK_NANOS);
        } else {
            schedule();
        }
    }

    private void expire(InferenceError deadline) {
        failure = deadline;
        call.abandon();
        drain();
    }

    /** The subscriber completed, failed or cancelled: stop the timer, and abandon the call unless it ended. */
    private void terminated() {
        if (!done) {
            finish();
            call.abandon();
        }
    }

    private void finish() {
        done = true;
        ready.clear();
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        if (ended) {
            call.answered();
        }
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
