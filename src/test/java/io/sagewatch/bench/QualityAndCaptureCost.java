package io.sagewatch.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.core.InferenceRequest;
import io.sagewatch.core.ModelCall;
import io.sagewatch.core.ModelResponse;
import io.sagewatch.core.TokenUsage;
import io.sagewatch.datacapture.CaptureProbe;
import io.sagewatch.metrics.ModelHealthMeters;
import io.sagewatch.monitor.quality.GroundTruth;
import io.sagewatch.monitor.quality.LabelledRows;
import io.sagewatch.monitor.quality.ProblemType;
import io.sagewatch.monitor.quality.QualityMetrics;
import io.sagewatch.monitor.quality.QualityProbe;
import io.sagewatch.testing.TestConfigs;
import io.sagewatch.testing.TestRequests;

/**
 * Model quality's and Data Capture's costs, in one process, after a warm-up as long as each measurement: the request
 * path (CPU of the calling thread per settled outcome handed to the observers, each off and on, while a drain thread
 * empties the queues) and the worker threads' work per item (reading a prediction from an answer, parsing a
 * ground-truth line, one labelled row of a window's evaluation, one Data Capture line). Run by bench/quality.sh;
 * prints Markdown tables.
 */
public final class QualityAndCaptureCost {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private QualityAndCaptureCost() {}

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        SagewatchConfig off = TestConfigs.sagewatch(Map.of());
        SagewatchConfig on = TestConfigs.sagewatch(Map.of(
                "sagewatch.endpoint.bench.monitor.quality.problem-type", "BinaryClassification",
                "sagewatch.endpoint.bench.monitor.quality.probability-attribute", "/score",
                "sagewatch.data-capture.destination", "s3://bench/capture",
                "sagewatch.data-capture.max-buffered-bytes", "1073741824"));
        SagewatchConfig sampled = TestConfigs.sagewatch(Map.of(
                "sagewatch.data-capture.destination", "s3://bench/capture",
                "sagewatch.data-capture.sampling-percentage", "20"));
        ModelHealthMeters meters = new ModelHealthMeters(new SimpleMeterRegistry(), "bench", java.util.List.of());
        QualityProbe qualityOff = QualityProbe.of(off, meters, "bench");
        QualityProbe qualityOn = QualityProbe.of(on, meters, "bench");
        CaptureProbe captureOff = CaptureProbe.of(off);
        CaptureProbe captureOn = CaptureProbe.of(on);
        CaptureProbe captureSampled = CaptureProbe.of(sampled);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread drain = new Thread(
                () -> {
                    while (running.get()) {
                        try {
                            if (qualityOn.drain() + captureOn.drain() + captureSampled.drain() == 0) {
                                Thread.onSpinWait();
                            }
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
        row("model quality off (endpoint not measured)", calls, qualityOff.observer(), outcome);
        row("model quality on (answer queued for the worker)", calls, qualityOn.observer(), outcome);
        row("Data Capture off (no destination)", calls, captureOff.observer(), outcome);
        row("Data Capture on, 20 % sampled", calls, captureSampled.observer(), outcome);
        row("Data Capture on, every inference", calls, captureOn.observer(), outcome);
        running.set(false);

        System.out.println();
        System.out.println("| worker thread, per item | ns per item |");
        System.out.println("|---|---|");
        byte[] answer = "{\"score\": 0.8731}".getBytes(StandardCharsets.UTF_8);
        work("prediction read from a JSON answer (/score) and encoded for the table", calls / 4, () -> {
            return qualityOn.read(answer, "application/json");
        });
        byte[] lines = groundTruth(1000);
        work(
                "ground-truth line parsed (Model Monitor's JSON line)",
                calls / 2000,
                () -> GroundTruth.parse(lines, "application/jsonlines").labels().size());
        byte[] csv = groundTruthCsv(1000);
        work(
                "ground-truth line parsed (CSV)",
                calls / 2000,
                () -> GroundTruth.parse(csv, "text/csv").labels().size());
        for (int rows : new int[] {10_000, 1_000_000}) {
            LabelledRows labelled = rows(rows);
            work(
                    "labelled row evaluated (binary, all metrics, 5 subsamples, curves), window of " + rows,
                    Math.max(2, 4_000_000 / rows),
                    () -> {
                        QualityMetrics.compute(ProblemType.BINARY, "1", labelled, 7);
                        return rows;
                    });
        }
        work("Data Capture line written (JSON in and out)", calls / 4, () -> captureOn.line(outcome) > 0 ? 1 : 0);
    }

    /** CPU of the calling thread per settled outcome, after as many warm-up calls; prints a table row. */
    static void row(String label, int calls, InferenceObserver observer, InferenceOutcome outcome) {
        for (int i = 0; i < calls; i++) {
            observer.settled(outcome);
        }
        long start = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) {
            observer.settled(outcome);
        }
        long spent = THREADS.getCurrentThreadCpuTime() - start;
        System.out.printf("| %s | %.0f |%n", label, (double) spent / calls);
    }

    /** Runs the work {@code times} to warm up, then again measured; the work returns how many items it did. */
    static void work(String label, int times, IntSupplier work) {
        for (int i = 0; i < times; i++) {
            work.getAsInt();
        }
        long items = 0;
        long start = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < times; i++) {
            items += work.getAsInt();
        }
        long spent = THREADS.getCurrentThreadCpuTime() - start;
        System.out.printf("| %s | %.0f |%n", label, (double) spent / items);
    }

    private static byte[] groundTruth(int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append("{\"groundTruthData\":{\"data\":\"")
                    .append(i % 2)
                    .append("\",\"encoding\":\"CSV\"},\"eventMetadata\":{\"eventId\":\"inference-")
                    .append(i)
                    .append("\"},\"eventVersion\":\"0\"}\n");
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] groundTruthCsv(int count) {
        StringBuilder text = new StringBuilder("inference_id,label\n");
        for (int i = 0; i < count; i++) {
            text.append("inference-").append(i).append(',').append(i % 2).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static LabelledRows rows(int n) {
        Random random = new Random(1);
        String[] truth = new String[n];
        String[] predicted = new String[n];
        double[] probabilities = new double[n];
        for (int i = 0; i < n; i++) {
            boolean positive = random.nextDouble() < 0.3;
            truth[i] = positive ? "1" : "0";
            probabilities[i] = Math.min(1, Math.max(0, (positive ? 0.65 : 0.35) + random.nextGaussian() * 0.2));
            predicted[i] = probabilities[i] >= 0.5 ? "1" : "0";
        }
        return LabelledRows.classification(truth, predicted, probabilities);
    }

    private static InferenceOutcome outcome() {
        byte[] body = "{\"age\": 41, \"income\": 52314.5, \"plan\": \"premium\"}".getBytes(StandardCharsets.UTF_8);
        InferenceRequest request = TestRequests.of("r", "i", "bench", body, "application/json", System.nanoTime());
        byte[] answer = "{\"score\": 0.8731}".getBytes(StandardCharsets.UTF_8);
        return InferenceOutcome.of(
                request,
                new ModelCall(
                        new ModelResponse(answer, "application/json", "AllTraffic", null, null, null), null, 1, 1),
                TokenUsage.NONE,
                null);
    }
}
