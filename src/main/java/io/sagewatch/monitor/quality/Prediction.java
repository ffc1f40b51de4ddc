package io.sagewatch.monitor.quality;

/**
 * One row's prediction, as read from a model's answer.
 *
 * @param label the predicted label (classification) or value (regression, in its decimal form)
 * @param probability the positive class's probability (binary), else NaN
 */
public record Prediction(String label, double probability) {

    public boolean hasProbability() {
        return !Double.isNaN(probability);
    }
}
