package io.sagewatch.monitor.quality;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.core.InferenceObserver;
import io.sagewatch.metrics.ModelHealthMeters;

/** Model quality's pieces, built outside CDI: for benchmarks in other packages. */
public final class QualityProbe {

    private final PredictionIntake intake;
    private final PredictionReader reader;

    private QualityProbe(PredictionIntake intake, PredictionReader reader) {
        this.intake = intake;
        this.reader = reader;
    }

    public static QualityProbe of(SagewatchConfig config, ModelHealthMeters meters, String endpoint) {
        EndpointQualities qualities = new EndpointQualities(config);
        return new QualityProbe(
                new PredictionIntake(qualities, meters, Long.MAX_VALUE),
                qualities.settings(endpoint) == null ? null : new PredictionReader(qualities.settings(endpoint)));
    }

    public InferenceObserver observer() {
        return intake;
    }

    /** Takes what is queued; how many. */
    public int drain() {
        int drained = 0;
        while (intake.pollNow() != null) {
            drained++;
        }
        return drained;
    }

    public int read(byte[] answer, String contentType) {
        return reader.read(answer, contentType).size();
    }
}
