package io.sagewatch.datacapture;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.core.InferenceOutcome;
import io.sagewatch.metrics.DataCaptureMeters;

/** Data Capture's pieces, built outside CDI: for benchmarks in other packages. */
public final class CaptureProbe {

    private final CaptureIntake intake;
    private final CaptureLine line;

    private CaptureProbe(CaptureIntake intake, CaptureLine line) {
        this.intake = intake;
        this.line = line;
    }

    public static CaptureProbe of(SagewatchConfig config) {
        return new CaptureProbe(
                new CaptureIntake(config, new DataCaptureMeters(new SimpleMeterRegistry(), config)),
                new CaptureLine(
                        config.dataCapture().csvContentTypes(),
                        config.dataCapture().jsonContentTypes()));
    }

    public InferenceObserver observer() {
        return intake;
    }

    /** Takes what is queued (giving its bytes back); how many. */
    public int drain() throws InterruptedException {
        int drained = 0;
        for (CaptureIntake.Captured next = intake.pollNow(); next != null; next = intake.pollNow()) {
            intake.release(next.bytes());
            drained++;
        }
        return drained;
    }

    public int line(InferenceOutcome outcome) {
        return line.write(outcome, outcome.request().body(), outcome.response().body()).length;
    }
}
