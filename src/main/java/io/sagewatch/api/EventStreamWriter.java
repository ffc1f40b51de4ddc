package io.sagewatch.api;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.function.Supplier;

import io.sagewatch.core.ErrorType;
import io.sagewatch.core.InferenceError;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes a stream's parts to the HTTP response as they come, each framed by {@code frame}, asking for the next part
 * as soon as the connection can take more (Netty's write buffer is under its high-water mark) and otherwise once it
 * drains: a slow client holds the parts back, and with them the model (at most one part and the socket's buffer are
 * held). Quarkus REST's own streaming serialises every item through a message body writer with several copies; a part
 * is bytes already, so it goes straight to the connection. The returned Multi emits nothing: it completes when the
 * last part is written (Quarkus then ends the response); an error inside the stream is written as its event, and a
 * client that stopped reading has its connection closed.
 */
public final class EventStreamWriter implements MultiSubscriber<byte[]> {

    private final HttpServerResponse response;
    private final Function<byte[], byte[]> frame;
    private final Function<InferenceError, byte[]> errorEvent;
    private final Supplier<byte[]> trailer;
    private final MultiEmitter<? super byte[]> done;
    private volatile Flow.Subscription upstream;

    private EventStreamWriter(
            HttpServerResponse response,
            Function<byte[], byte[]> frame,
            Function<InferenceError, byte[]> errorEvent,
            Supplier<byte[]> trailer,
            MultiEmitter<? super byte[]> done) {
        this.response = response;
        this.frame = frame;
        this.errorEvent = errorEvent;
        this.trailer = trailer;
        this.done = done;
    }

    /** {@code headers} go on the response before its first byte. */
    static Multi<byte[]> write(
            Multi<byte[]> parts,
            HttpServerResponse response,
            Map<String, List<String>> headers,
            Function<byte[], byte[]> frame,
            Function<InferenceError, byte[]> errorEvent) {
        return write(parts, response, headers, frame, errorEvent, null);
    }

    /**
     * As above; a frame may be empty (nothing written for that part), and {@code trailer}, when given, is written
     * after the last part (a stream that ended in an error gets its error event instead).
     */
    public static Multi<byte[]> write(
            Multi<byte[]> parts,
            HttpServerResponse response,
            Map<String, List<String>> headers,
            Function<byte[], byte[]> frame,
            Function<InferenceError, byte[]> errorEvent,
            Supplier<byte[]> trailer) {
        return Multi.createFrom().emitter(done -> {
            headers.forEach((name, values) -> response.putHeader(name, values));
            response.setChunked(true);
            EventStreamWriter writer = new EventStreamWriter(response, frame, errorEvent, trailer, done);
            done.onTermination(writer::cancel);
            parts.subscribe().withSubscriber(writer);
        });
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        upstream = subscription;
        subscription.request(1);
    }

    @Override
    public void onItem(byte[] part) {
        if (response.closed()) {
            return; // the close handler cancels
        }
        byte[] framed = frame.apply(part);
        if (framed.length == 0) {
            // an empty chunk would end a chunked body
            upstream.request(1);
            return;
        }
        response.write(Buffer.buffer(framed));
        if (response.writeQueueFull()) {
            response.drainHandler(ignored -> upstream.request(1));
        } else {
            upstream.request(1);
        }
    }

    @Override
    public void onFailure(Throwable failure) {
        if (failure instanceof InferenceError error && error.is(ErrorType.CLIENT_DISCONNECTED) || response.closed()) {
            // A client that stopped reading is not sent an event it would not read: its connection is closed, and
            // Quarkus, hearing of the close, cancels this stream (the outcome is recorded already).
            if (!response.closed()) {
                response.close();
            }
            return;
        }
        InferenceError error = failure instanceof InferenceError known
                ? known
                : InferenceError.inStream(
                        InferenceError.Origin.GATEWAY,
                        ErrorType.INTERNAL_STREAM_FAILURE,
                        "Sagewatch failed mid-stream",
                        null);
        response.write(Buffer.buffer(errorEvent.apply(error)));
        done.complete();
    }

    @Override
    public void onCompletion() {
        if (trailer != null && !response.closed()) {
            byte[] last = trailer.get();
            if (last.length > 0) {
                response.write(Buffer.buffer(last));
            }
        }
        done.complete();
    }

    private void cancel() {
        Flow.Subscription subscription = upstream;
        if (subscription != null) {
            subscription.cancel();
        }
    }
}
