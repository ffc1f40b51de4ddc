package io.sagewatch.monitor.features;

/** Turns one sampled inference into rows of features. */
public interface SampleFeatures {

    /**
     * @return the rows read
     * @throws UnreadablePayloadException when the sample cannot be read (nothing is put then)
     */
    int extract(Sample sample, FeatureSink sink);
}
