package io.sagewatch.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.metrics.ModelHealthMeters;
import io.sagewatch.monitor.ModelHealthObserver;
import io.sagewatch.monitor.ModelHealthProbe;
import io.sagewatch.testing.TestRequests;

/**
 * Model health's share of the request path, in one process: the CPU time of the calling thread per settled outcome
 * offered to the observer (sampling decision, cap, hand-off to a worker that drains the queue meanwhile), side by side
 * for an unmonitored endpoint, the default cap (100 a second) and every inference sampled. The JIT is warmed first.
 * Run by bench/monitor.sh; prints a Markdown table.
 */
public final class ModelHealthIntakeCost {

    private ModelHealthIntakeCost() {}

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        SagewatchConfig config = io.sagewatch.testing.TestConfigs.sagewatch(Map.of(
                "sagewatch.endpoint.capped.monitor.enabled", "true",
                "sagewatch.endpoint.all.monitor.enabled", "true",
                "sagewatch.endpoint.all.monitor.max-samples-per-second", "100000000"));
        AtomicBoolean running = new AtomicBoolean(true);
        ModelHealthProbe probe =
                ModelHealthProbe.of(config, new ModelHealthMeters(new SimpleMeterRegistry(), "bench", List.of()));
        Thread drain = new Thread(
                () -> {
                    while (running.get()) {
                        probe.drain();
                    }
                },
                "drain");
        drain.setDaemon(true);
        drain.start();
        ModelHealthObserver observer = probe.observer();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.println("| endpoint (" + calls
                + " settled outcomes, after a warm-up as long) | ns per outcome on the" + " request path | queued |");
        System.out.println("|---|---|---|");
        for (String endpoint : new String[] {"unmonitored", "capped", "all"}) {
            InferenceOutcome outcome = outcome(endpoint);
            for (int i = 0; i < calls; i++) { // warm-up
                observer.settled(outcome);
            }
            long queuedBefore = probe.queued();
            long start = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < calls; i++) {
                observer.settled(outcome);
            }
            long spent = threads.getCurrentThreadCpuTime() - start;
            System.out.printf("| %s | %.0f | %d |%n", endpoint, (double) spent / calls, probe.queued() - queuedBefore);
        }
        running.set(false);
    }

    private static InferenceOutcome outcome(String endpoint) {
        byte[] body = "{\"age\": 41, \"income\": 52314.5, \"plan\": \"premium\"}".getBytes(StandardCharsets.UTF_8);
        InferenceRequest request = TestRequests.of("r", "i", endpoint, body, "application/json", System.nanoTime());
        return InferenceOutcome.of(
                request,
                new ModelCall(new ModelResponse(body, "application/json", "AllTraffic", null, null, null), null, 1, 1),
                TokenUsage.NONE,
                null);
    }
}
