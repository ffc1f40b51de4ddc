package io.sagewatch.bench;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.rollups.Rollup;
import io.sagewatch.rollups.RollupProbe;
import io.sagewatch.testing.TestConfigs;
import io.sagewatch.testing.TestRequests;

/**
 * The console's rollups, in one process, after a warm-up as long as each measurement: the request path (CPU of the
 * calling thread per settled outcome, rollups off and on, with a second thread draining what was counted every 10 ms
 * as the writer does, so that the lock is contended as in service), and the writer's work per rollup folded and
 * encoded. Run by bench/console.sh; prints Markdown tables.
 */
public final class ConsoleCost {

    private ConsoleCost() {}

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        SagewatchConfig off = TestConfigs.sagewatch(Map.of("sagewatch.console.rollups.enabled", "false"));
        SagewatchConfig on = TestConfigs.sagewatch(Map.of());
        RollupProbe rollupsOff = RollupProbe.of(off);
        RollupProbe rollupsOn = RollupProbe.of(on);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread drain = new Thread(
                () -> {
                    while (running.get()) {
                        rollupsOn.drain();
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "drain");
        drain.setDaemon(true);
        drain.start();
        InferenceOutcome outcome = outcome();

        System.out.println("| request path (" + calls + " settled outcomes) | ns per outcome |");
        System.out.println("|---|---|");
        QualityAndCaptureCost.row("rollups off", calls, rollupsOff.observer(), outcome);
        QualityAndCaptureCost.row(
                "rollups on (counted in memory; drained every 10 ms)", calls, rollupsOn.observer(), outcome);
        QualityAndCaptureCost.row("rollups off, again", calls, rollupsOff.observer(), outcome);
        QualityAndCaptureCost.row("rollups on, again", calls, rollupsOn.observer(), outcome);
        QualityAndCaptureCost.row(
                "rollups on, a request of the OpenAI front (the endpoint's series and the model's share)",
                calls,
                rollupsOn.observer(),
                openAi(outcome));
        running.set(false);
        drain.join();

        System.out.println();
        System.out.println("| the writer's work | ns per item |");
        System.out.println("|---|---|");
        Rollup minute = new Rollup();
        for (int i = 0; i < 1_000; i++) {
            minute.add(outcome);
        }
        int folds = calls / 100;
        QualityAndCaptureCost.work("fold a minute's counts into a span (x6: 3 levels, endpoint and all)", folds, () -> {
            Rollup span = new Rollup();
            span.merge(minute);
            return 1;
        });
        QualityAndCaptureCost.work(
                "encode a span for the table (1 000 inferences in it)",
                folds,
                () -> minute.toBytes().length > 0 ? 1 : 0);
        byte[] stored = minute.toBytes();
        QualityAndCaptureCost.work("decode and merge a stored span (what a page does per item)", folds, () -> {
            Rollup.fromBytes(stored);
            return 1;
        });
        System.out.println();
        System.out.println("A stored span of 1 000 inferences is " + stored.length + " bytes.");
    }

    /** The same outcome, as if the OpenAI front's model "chat" had asked for it. */
    private static InferenceOutcome openAi(InferenceOutcome outcome) {
        InferenceRequest r = outcome.request();
        InferenceRequest request = new InferenceRequest(
                r.requestId(),
                r.inferenceId(),
                r.endpointName(),
                r.body(),
                r.contentType(),
                r.accept(),
                r.customAttributes(),
                r.targetModel(),
                r.targetVariant(),
                r.targetContainerHostname(),
                r.inferenceComponentName(),
                r.sessionId(),
                r.enableExplanations(),
                r.receivedAt(),
                r.startNanos(),
                r.caller(),
                r.idempotencyKey(),
                InferenceRequest.OPENAI_FRONT,
                "chat",
                null,
                null,
                null);
        return InferenceOutcome.of(request, outcome.modelCall(), outcome.tokens(), outcome.costUsd());
    }

    private static InferenceOutcome outcome() {
        byte[] body = "{\"age\": 41, \"income\": 52314.5}".getBytes(StandardCharsets.UTF_8);
        InferenceRequest request =
                TestRequests.of("r", "i", "bench", body, "application/json", System.nanoTime() - 5_000_000);
        byte[] answer = "{\"score\": 0.8731}".getBytes(StandardCharsets.UTF_8);
        return InferenceOutcome.of(
                request,
                new ModelCall(
                        new ModelResponse(answer, "application/json", "AllTraffic", null, null, null),
                        null,
                        3_200_000,
                        1),
                new TokenUsage(12L, 3L),
                0.0001);
    }
}
