package io.sagewatch.monitor.features;

import java.util.Map;

/**
 * Features read from the input and the output payloads, each by the extractor for its content type. The input's rows
 * are the rows; the output's features join them (its row i with the input's row i), or are the rows when no input
 * feature is read.
 */
public final class PayloadFeatures implements SampleFeatures {

    private final Map<PayloadFormat, RowExtractor> input;
    private final Map<PayloadFormat, RowExtractor> output;

    /** Either map may be empty (that side is not read). */
    public PayloadFeatures(Map<PayloadFormat, RowExtractor> input, Map<PayloadFormat, RowExtractor> output) {
        this.input = Map.copyOf(input);
        this.output = Map.copyOf(output);
    }

    @Override
    public int extract(Sample sample, FeatureSink sink) {
        RowExtractor in = input.isEmpty() ? null : extractor(input, sample.inputContentType(), "input");
        RowExtractor out = output.isEmpty() ? null : extractor(output, sample.outputContentType(), "output");
        if (in == null) {
            return out == null ? 0 : out.extract(sample.output(), sink);
        }
        if (out == null) {
            return in.extract(sample.input(), sink);
        }
        // Both sides: read the output first so that an unreadable one leaves nothing half-put
        RowBuffer outputRows = new RowBuffer();
        out.extract(sample.output(), outputRows);
        return in.extract(sample.input(), new JoiningSink(sink, outputRows));
    }

    private static RowExtractor extractor(
            Map<PayloadFormat, RowExtractor> extractors, String contentType, String side) {
        PayloadFormat format = PayloadFormat.ofContentType(contentType);
        RowExtractor extractor = format == null ? null : extractors.get(format);
        if (extractor == null) {
            throw new UnreadablePayloadException("the " + side + " content type " + contentType + " is not read");
        }
        return extractor;
    }

    /** Passes the input's rows on, and at the end of each adds the output row of the same index. */
    private static final class JoiningSink implements FeatureSink {
        private final FeatureSink target;
        private final RowBuffer output;
        private int row;

        JoiningSink(FeatureSink target, RowBuffer output) {
            this.target = target;
            this.output = output;
        }

        @Override
        public void number(String feature, double value, boolean integral, String asText) {
            target.number(feature, value, integral, asText);
        }

        @Override
        public void text(String feature, String value) {
            target.text(feature, value);
        }

        @Override
        public void missing(String feature) {
            target.missing(feature);
        }

        @Override
        public void absent(String feature) {
            target.absent(feature);
        }

        @Override
        public void extraColumns(int count) {
            target.extraColumns(count);
        }

        @Override
        public void endRow() {
            output.replay(row++, target);
            target.endRow();
        }
    }
}
