package io.sagewatch.monitor.features;

/** Reads the rows of one payload into a sink. */
public interface RowExtractor {

    /**
     * @return the rows read
     * @throws UnreadablePayloadException when the payload is not in the extractor's format (nothing is put then)
     */
    int extract(byte[] payload, FeatureSink sink);
}
