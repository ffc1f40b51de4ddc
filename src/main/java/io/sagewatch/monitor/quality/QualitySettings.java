package io.sagewatch.monitor.quality;

import java.time.Duration;
import java.time.Instant;

import io.sagewatch.config.SagewatchConfig;

/**
 * One endpoint's model-quality settings, resolved once from configuration.
 *
 * @param scheduleName the MonitoringSchedule dimension of the metrics
 * @param window the endpoint's monitoring window (the same windows as data quality)
 */
public record QualitySettings(
        String endpoint,
        ProblemType problemType,
        String probabilityAttribute,
        String inferenceAttribute,
        double probabilityThreshold,
        String positiveLabel,
        Duration groundTruthWait,
        Duration window,
        String scheduleName) {

    static QualitySettings of(String endpoint, SagewatchConfig.EndpointMonitor monitor) {
        SagewatchConfig.ModelQuality quality = monitor.quality();
        return new QualitySettings(
                endpoint,
                ProblemType.of(quality.problemType().orElseThrow()),
                quality.probabilityAttribute().orElse(null),
                quality.inferenceAttribute().orElse(null),
                quality.probabilityThreshold(),
                PredictionReader.canonical(quality.positiveLabel()),
                quality.groundTruthWait(),
                monitor.window(),
                monitor.scheduleName().orElse(endpoint));
    }

    /** The start of the window an instant falls in: aligned to the epoch, so every replica agrees. */
    public Instant windowStart(Instant at) {
        long length = window.toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(at.toEpochMilli(), length) * length);
    }

    /** When a window is first evaluated: its end, plus the wait for its ground truth. */
    public Instant firstEvaluation(Instant windowStart) {
        return windowStart.plus(window).plus(groundTruthWait);
    }

    /** When a window with late labels is evaluated once more: a second wait after the first evaluation was due. */
    public Instant secondEvaluation(Instant windowStart) {
        return firstEvaluation(windowStart).plus(groundTruthWait.isZero() ? window : groundTruthWait);
    }

    /** The label a binary model's probability stands for. */
    String labelOf(double probability) {
        return probability >= probabilityThreshold ? positiveLabel : negativeLabel();
    }

    /** The name a binary prediction derived from a probability gets when it is not positive. */
    String negativeLabel() {
        return switch (positiveLabel) {
            case "1" -> "0";
            case "true" -> "false";
            case "True" -> "False";
            case "yes" -> "no";
            default -> "not " + positiveLabel;
        };
    }
}
