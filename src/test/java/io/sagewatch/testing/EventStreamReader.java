package io.sagewatch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.sagewatch.aws.EventStreamMessage;

/**
 * A streaming invocation read message by message as the bytes arrive, with a bound on every wait: for the tests that
 * need to act between parts (hold the model, disconnect, stop reading). boto3 covers the parsing of whole streams.
 */
public final class EventStreamReader implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Object END = new Object();

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    private final Thread reader;
    private volatile boolean paused;

    private EventStreamReader(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "event-stream-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** POSTs to a streaming route and returns once the response head is in. */
    public static EventStreamReader open(String url, String inferenceId, String body) throws Exception {
        return open(url, inferenceId, body, java.util.Map.of());
    }

    /** With more request headers. */
    public static EventStreamReader open(
            String url, String inferenceId, String body, java.util.Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("X-Amzn-SageMaker-Inference-Id", inferenceId)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return new EventStreamReader(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    public HttpResponse<InputStream> response() {
        return response;
    }

    private void read() {
        EventStreamMessage.Decoder decoder = new EventStreamMessage.Decoder();
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = response.body()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                messages.addAll(decoder.feed(java.util.Arrays.copyOf(buffer, n)));
                while (paused) {
                    Thread.sleep(10);
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            messages.add(e);
        }
        messages.add(END);
    }

    /** The next message, or null once the stream has ended; fails if none comes within {@code patience}. */
    public EventStreamMessage next(Duration patience) throws Exception {
        Object next = messages.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
        if (next == null) {
            throw new AssertionError("no message within " + patience);
        }
        if (next == END) {
            messages.add(END);
            return null;
        }
        if (next instanceof Exception e) {
            throw e;
        }
        return (EventStreamMessage) next;
    }

    /** Stops reading from the socket (a slow reader) until {@link #resume}: the bytes stay in the network. */
    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
    }

    /** Closes the connection: a client that leaves mid-stream. */
    @Override
    public void close() throws Exception {
        paused = false;
        response.body().close();
        reader.join(5_000);
    }
}
