package io.sagewatch.dev;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.quarkus.arc.properties.UnlessBuildProperty;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sagewatch.config.SagewatchConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * The training run of the JDK AOT cache that the JVM image ships (deploy/ecs/Dockerfile.jvm runs it with
 * {@code -XX:AOTCacheOutput} and the {@code training} profile): the gateway calls itself through its own HTTP port the
 * way clients will (InvokeEndpoint on a classifier and an LLM, streams, a model error, an unknown endpoint, the
 * liveness probe), against the demo models and a {@link TableStandIn}, so the request path's classes, linked, and
 * the JIT's profiles of it are in the cache; then the process exits, 0 if every call was answered as expected. A
 * start from the cache loads those classes ready-made instead of finding, parsing and verifying them one by one.
 */
// not in the native executables: only the JVM image's build trains, and a native gateway has no dev mode
@UnlessBuildProperty(name = "quarkus.native.enabled", stringValue = "true", enableIfMissing = true)
@ApplicationScoped
public class TrainingRun {

    private static final Logger LOG = Logger.getLogger(TrainingRun.class);
    /** Calls at once: enough to use the pools and batch the records, little enough for any build machine. */
    private static final int LANES = 4;

    private static final long DEADLINE_MS = TimeUnit.MINUTES.toMillis(3);
    /** One call's bound, idle or connecting: the demo models answer in milliseconds, streams in ~100 ms. */
    private static final long CALL_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(30);
    /** Past the deadline, how long a shutdown may take before the process is halted (%prod allows 65 s). */
    private static final long HALT_AFTER_MS = TimeUnit.SECONDS.toMillis(90);

    private static final long PROBE_INTERVAL_MS = 50;

    /** One call the run makes, and the status it must get. */
    record Call(String path, String contentType, String body, int expected) {}

    private TableStandIn table;

    void start(@Observes @Priority(5) StartupEvent event, SagewatchConfig config, Vertx vertx) {
        int requests = config.dev().trainingRequests();
        if (requests <= 0) {
            return;
        }
        if (recordsAnAotCache() && TrainingRun.class.getClassLoader() != ClassLoader.getSystemClassLoader()) {
            // Quarkus' default fast-jar loads the application through its own class loader, whose classes the JDK's
            // AOT cache cannot keep: the cache would hold little more than the JDK's own classes
            LOG.error("Training run refused: this is the fast-jar layout, whose classes an AOT cache cannot keep;"
                    + " package with -Dquarkus.package.jar.type=aot-jar");
            Quarkus.asyncExit(1);
            return;
        }
        watchdog(vertx);
        table = TableStandIn.start(vertx, config.dev().trainingTablePort());
        int port = ConfigProvider.getConfig().getValue("quarkus.http.port", Integer.class);
        HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(port)
                .setMaxPoolSize(LANES)
                .setKeepAlive(true)
                .setConnectTimeout((int) CALL_TIMEOUT_MS));
        List<Call> calls = plan(requests);
        long started = System.nanoTime();
        long deadline = System.currentTimeMillis() + DEADLINE_MS;
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        // the HTTP server opens after the startup observers: wait for it on the liveness probe
        live(vertx, client, deadline)
                .compose(ignored -> {
                    AtomicInteger next = new AtomicInteger();
                    List<Future<Void>> lanes = new ArrayList<>();
                    for (int lane = 0; lane < LANES; lane++) {
                        Promise<Void> done = Promise.promise();
                        takeNext(client, calls, next, failures, deadline, done);
                        lanes.add(done.future());
                    }
                    return Future.join(lanes);
                })
                .onComplete(done -> {
                    int code = 1;
                    try {
                        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                        if (done.failed()) {
                            failures.add(String.valueOf(done.cause()));
                        }
                        if (table.batches() == 0) {
                            failures.add("no record batch reached the table stand-in on port "
                                    + config.dev().trainingTablePort()
                                    + " (is quarkus.dynamodb.endpoint-override its?)");
                        }
                        if (failures.isEmpty()) {
                            LOG.infof(
                                    "Training run: %d calls answered as expected in %d ms, %d record batches"
                                            + " acknowledged; exiting",
                                    calls.size(), ms, table.batches());
                            code = 0;
                        } else {
                            LOG.errorf(
                                    "Training run failed (%d problems), first: %s",
                                    failures.size(), failures.stream().limit(5).toList());
                        }
                    } finally {
                        Quarkus.asyncExit(code);
                    }
                });
    }

    /**
     * An image build has no timeout of its own: whatever hangs (a call never answered, a shutdown that waits), the
     * process ends, 1, soon after the deadline. First asked nicely; then, past the shutdown's own bound, halted.
     */
    private static void watchdog(Vertx vertx) {
        vertx.setTimer(DEADLINE_MS + CALL_TIMEOUT_MS, id -> {
            LOG.error("Training run: still running after its deadline; exiting");
            Quarkus.asyncExit(1);
        });
        Thread halt = new Thread(
                () -> {
                    try {
                        Thread.sleep(DEADLINE_MS + CALL_TIMEOUT_MS + HALT_AFTER_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    Runtime.getRuntime().halt(1);
                },
                "training-run-watchdog");
        halt.setDaemon(true);
        halt.start();
    }

    private static boolean recordsAnAotCache() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(
                        argument -> argument.startsWith("-XX:AOTCacheOutput") || argument.equals("-XX:AOTMode=record"));
    }

    /** Late, like the other stand-ins: the records still being written at shutdown are drained first. */
    void stop(@Observes @Priority(10_000) ShutdownEvent event) {
        if (table != null) {
            table.close();
        }
    }

    /** What clients send, in about the proportions a mixed deployment sees them; every 20th call streams. */
    static List<Call> plan(int requests) {
        String sentiment = "/endpoints/" + DemoModelServer.SENTIMENT + "/invocations";
        String llm = "/endpoints/" + DemoModelServer.LLM + "/invocations";
        List<Call> calls = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            String text = "training sentence " + i + " is " + (i % 3 == 0 ? "great" : "not so good");
            String tgi = "{\"inputs\":\"" + text + "\",\"parameters\":{\"max_new_tokens\":4}}";
            calls.add(
                    switch (i % 20) {
                        case 12, 13 -> new Call(sentiment, "text/plain", text, 200);
                        case 14, 15 -> new Call(llm, "application/json", tgi, 200);
                        case 16 ->
                            new Call(
                                    llm,
                                    "application/json",
                                    "{\"messages\":[{\"role\":\"user\",\"content\":\"" + text
                                            + "\"}],\"max_tokens\":4}",
                                    200);
                        case 17 -> new Call(llm + "-response-stream", "application/json", tgi, 200);
                        // the model refuses what it cannot read: SageMaker's ModelError, relayed
                        case 18 -> new Call(sentiment, "application/json", "{\"inputs\": 3", 424);
                        // not one of sagewatch.endpoints.allowed
                        case 19 -> new Call("/endpoints/training-unknown/invocations", "application/json", "{}", 400);
                        default -> new Call(sentiment, "application/json", "{\"inputs\":\"" + text + "\"}", 200);
                    });
        }
        return calls;
    }

    private static Future<Void> live(Vertx vertx, HttpClient client, long deadline) {
        Promise<Void> live = Promise.promise();
        Runnable[] probe = new Runnable[1];
        probe[0] = () -> client.request(new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setURI("/q/health/live")
                        .setIdleTimeout(CALL_TIMEOUT_MS))
                .compose(request -> request.send())
                .compose(response -> response.body().map(response.statusCode()))
                .onComplete(status -> {
                    if (status.succeeded() && status.result() == 200) {
                        live.complete();
                    } else if (System.currentTimeMillis() > deadline) {
                        live.fail("the gateway was not live before the training run's deadline");
                    } else {
                        vertx.setTimer(PROBE_INTERVAL_MS, id -> probe[0].run());
                    }
                });
        probe[0].run();
        return live.future();
    }

    /**
     * Takes the next call until none is left, one at a time: each answer's callback sends the next call (a loop in
     * callbacks, not a chain of futures that would unwind through every call of the lane at its end).
     */
    private static void takeNext(
            HttpClient client,
            List<Call> calls,
            AtomicInteger next,
            Queue<String> failures,
            long deadline,
            Promise<Void> done) {
        int index = next.getAndIncrement();
        if (index >= calls.size()) {
            done.tryComplete();
            return;
        }
        if (System.currentTimeMillis() > deadline) {
            done.tryFail("the training run's deadline passed after " + index + " calls");
            return;
        }
        Call call = calls.get(index);
        client.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setURI(call.path())
                        .setIdleTimeout(CALL_TIMEOUT_MS)
                        .putHeader("Content-Type", call.contentType()))
                .compose(request -> request.send(Buffer.buffer(call.body())))
                .compose(response -> response.body().map(body -> {
                    if (response.statusCode() != call.expected() || body.length() == 0) {
                        failures.add(call.path() + " answered " + response.statusCode() + " (expected "
                                + call.expected() + "): " + body.toString().substring(0, Math.min(200, body.length())));
                    }
                    return (Void) null;
                }))
                .onComplete(answered -> {
                    if (answered.failed()) {
                        failures.add(call.path() + " failed: " + answered.cause());
                    }
                    takeNext(client, calls, next, failures, deadline, done);
                });
    }
}
