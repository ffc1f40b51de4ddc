package io.sagewatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.sagewatch.aws.EventStreamMessage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * A streaming client for the benchmarks (bench/streams.sh): opens InvokeEndpointWithResponseStream calls, non-blocking,
 * and times every part as it arrives whole (decoded from the event stream, as a client would).
 * <ul>
 * <li>{@code ttft BASE_URL CONCURRENCY STREAMS}: STREAMS streams of 4 parts, CONCURRENCY at a time; prints the time to
 * first part (request sent to first part decoded) p50 and p99 in ms.</li>
 * <li>{@code gaps BASE_URL STREAMS}: STREAMS streams of 32 parts paced 20 ms, 8 at a time; prints the gap between
 * consecutive parts p50/p99 in ms.</li>
 * <li>{@code sustain BASE_URL STREAMS [GATEWAY_PID]}: STREAMS streams open at once (opened over 2 s), 64 parts each,
 * paced 20 ms by the model; a part is late by how much it arrives after its slot (its stream's first part + i x 20
 * ms). Prints the lateness p50/p99/max, the streams with every part within 5 ms of its slot, and, given the gateway's
 * pid, its RSS before and in the middle of the run (per open stream).</li>
 * </ul>
 */
public final class StreamLoad {

    private static final long PACE_MS = 20;

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    private final HttpClient client;
    private final String host;
    private final int port;

    private StreamLoad(String baseUrl, int connections) {
        java.net.URI uri = java.net.URI.create(baseUrl);
        host = uri.getHost();
        port = uri.getPort();
        client = vertx.createHttpClient(new HttpClientOptions()
                .setMaxPoolSize(connections)
                .setKeepAlive(true)
                .setMaxWaitQueueSize(-1));
    }

    /** The arrival times (nanoTime) of one stream's parts, from its request's start; fails unless it ends cleanly. */
    record Stream(long sentAt, long[] arrivals) {}

    private Future<Stream> stream(String endpoint, int parts, long paceMs) {
        String body = "{\"parts\":" + parts + ",\"pace_ms\":" + paceMs + ",\"part_bytes\":64}";
        Promise<Stream> done = Promise.promise();
        long sent = System.nanoTime();
        long[] arrivals = new long[parts];
        AtomicInteger received = new AtomicInteger();
        EventStreamMessage.Decoder decoder = new EventStreamMessage.Decoder();
        client.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost(host)
                        .setPort(port)
                        .setURI("/endpoints/" + endpoint + "/invocations-response-stream")
                        .addHeader("Content-Type", "application/json"))
                .compose(request -> request.send(Buffer.buffer(body)))
                .onSuccess(response -> {
                    if (response.statusCode() != 200) {
                        response.body()
                                .onComplete(b -> done.tryFail(
                                        "HTTP " + response.statusCode() + ": " + (b.succeeded() ? b.result() : "")));
                        return;
                    }
                    response.handler(chunk -> {
                        long now = System.nanoTime();
                        for (EventStreamMessage message : decoder.feed(chunk.getBytes())) {
                            if (!"PayloadPart".equals(message.header(":event-type"))) {
                                done.tryFail("unexpected event " + message.headers());
                                return;
                            }
                            int i = received.getAndIncrement();
                            if (i < parts) {
                                arrivals[i] = now;
                            }
                        }
                    });
                    response.endHandler(v -> {
                        if (received.get() == parts) {
                            done.tryComplete(new Stream(sent, arrivals));
                        } else {
                            done.tryFail(received.get() + " parts of " + parts);
                        }
                    });
                    response.exceptionHandler(done::tryFail);
                })
                .onFailure(done::tryFail);
        return done.future();
    }

    /** COUNT streams, CONCURRENCY at a time, each started when one before it ends. */
    private List<Stream> run(String endpoint, int concurrency, int count, int parts, long paceMs) throws Exception {
        ConcurrentLinkedQueue<Stream> results = new ConcurrentLinkedQueue<>();
        AtomicInteger started = new AtomicInteger();
        CompletableFuture<Void> all = new CompletableFuture<>();
        AtomicInteger finished = new AtomicInteger();
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (started.incrementAndGet() > count) {
                return;
            }
            stream(endpoint, parts, paceMs).onComplete(done -> {
                if (done.failed()) {
                    all.completeExceptionally(done.cause());
                    return;
                }
                results.add(done.result());
                if (finished.incrementAndGet() == count) {
                    all.complete(null);
                } else {
                    next[0].run();
                }
            });
        };
        vertx.runOnContext(v -> {
            for (int i = 0; i < concurrency; i++) {
                next[0].run();
            }
        });
        all.get(10, TimeUnit.MINUTES);
        return new ArrayList<>(results);
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String base = args[1];
        String endpoint = System.getProperty("endpoint", "bench");
        switch (mode) {
            case "ttft" -> {
                int concurrency = Integer.parseInt(args[2]);
                int count = Integer.parseInt(args[3]);
                StreamLoad load = new StreamLoad(base, concurrency);
                long[] ttft = load.run(endpoint, concurrency, count, 4, 0).stream()
                        .mapToLong(s -> s.arrivals()[0] - s.sentAt())
                        .sorted()
                        .toArray();
                System.out.printf(
                        Locale.ROOT,
                        "ttft_p50_ms=%.3f ttft_p99_ms=%.3f streams=%d%n",
                        pct(ttft, 0.5),
                        pct(ttft, 0.99),
                        ttft.length);
                load.vertx.close();
            }
            case "gaps" -> {
                int count = Integer.parseInt(args[2]);
                StreamLoad load = new StreamLoad(base, 8);
                List<Long> gaps = new ArrayList<>();
                for (Stream s : load.run(endpoint, 8, count, 32, PACE_MS)) {
                    for (int i = 1; i < s.arrivals().length; i++) {
                        gaps.add(s.arrivals()[i] - s.arrivals()[i - 1]);
                    }
                }
                long[] sorted =
                        gaps.stream().mapToLong(Long::longValue).sorted().toArray();
                System.out.printf(
                        Locale.ROOT,
                        "gap_p50_ms=%.3f gap_p99_ms=%.3f gaps=%d%n",
                        pct(sorted, 0.5),
                        pct(sorted, 0.99),
                        sorted.length);
                load.vertx.close();
            }
            case "sustain" -> {
                int streams = Integer.parseInt(args[2]);
                String pid = args.length > 3 ? args[3] : null;
                StreamLoad load = new StreamLoad(base, streams);
                long rssBefore = pid == null ? -1 : rssKb(pid);
                long cpuBefore = pid == null ? -1 : cpuTicks(pid);
                long[] rssMid = {-1};
                if (pid != null) {
                    // 64 parts at 20 ms: 1.3 s per stream; all are open between the end of the 2 s ramp and ~3.3 s
                    load.vertx.setTimer(2_600, id -> rssMid[0] = rssKb(pid));
                }
                List<Stream> done = load.sustain(endpoint, streams);
                long cpuTicks = pid == null ? -1 : cpuTicks(pid) - cpuBefore;
                // CPU per part handed through, in µs (a clock tick is 10 ms on Linux)
                double cpuPerPart = pid == null ? Double.NaN : cpuTicks * 10_000.0 / (streams * 64.0);
                long[] lateness = done.stream()
                        .flatMap(s -> {
                            List<Long> late = new ArrayList<>();
                            for (int i = 1; i < s.arrivals().length; i++) {
                                late.add(Math.max(0, s.arrivals()[i] - (s.arrivals()[0] + i * PACE_MS * 1_000_000L)));
                            }
                            return late.stream();
                        })
                        .mapToLong(Long::longValue)
                        .sorted()
                        .toArray();
                long onPace = done.stream()
                        .filter(s -> {
                            for (int i = 1; i < s.arrivals().length; i++) {
                                if (s.arrivals()[i] - (s.arrivals()[0] + i * PACE_MS * 1_000_000L) > 5_000_000L) {
                                    return false;
                                }
                            }
                            return true;
                        })
                        .count();
                System.out.printf(
                        Locale.ROOT,
                        "streams=%d on_pace=%d late_p50_ms=%.3f late_p99_ms=%.3f "
                                + "late_max_ms=%.3f rss_before_kb=%d rss_mid_kb=%d gateway_cpu_us_per_part=%.1f%n",
                        done.size(),
                        onPace,
                        pct(lateness, 0.5),
                        pct(lateness, 0.99),
                        lateness[lateness.length - 1] / 1e6,
                        rssBefore,
                        rssMid[0],
                        cpuPerPart);
                load.vertx.close();
            }
            default -> throw new IllegalArgumentException(mode);
        }
    }

    /** All streams at once, their starts spread over 2 s (as users arrive), 64 parts each. */
    private List<Stream> sustain(String endpoint, int streams) throws Exception {
        ConcurrentLinkedQueue<Stream> results = new ConcurrentLinkedQueue<>();
        CompletableFuture<Void> all = new CompletableFuture<>();
        AtomicInteger finished = new AtomicInteger();
        for (int i = 0; i < streams; i++) {
            long delay = 1 + 2_000L * i / streams;
            vertx.setTimer(
                    delay,
                    id -> stream(endpoint, 64, PACE_MS).onComplete(done -> {
                        if (done.failed()) {
                            all.completeExceptionally(done.cause());
                            return;
                        }
                        results.add(done.result());
                        if (finished.incrementAndGet() == streams) {
                            all.complete(null);
                        }
                    }));
        }
        all.get(10, TimeUnit.MINUTES);
        return new ArrayList<>(results);
    }

    /** user + system time of a process so far, in clock ticks. */
    private static long cpuTicks(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static long rssKb(String pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)] / 1e6;
    }
}
