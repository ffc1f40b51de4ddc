package io.sagewatch.monitor;

import java.util.ArrayList;
import java.util.List;

import io.sagewatch.monitor.features.CsvRows;
import io.sagewatch.monitor.features.FeatureSink;
import io.sagewatch.monitor.features.RowExtractor;

/**
 * CSV with no column names configured and no baseline to take them from: columns are named as Spark names them in a
 * Model Monitor baseline of a header-less file ({@code _c0}, {@code _c1}, ...), as many as the widest row so far.
 */
final class UnnamedCsvRows implements RowExtractor {

    private static final int MAX_COLUMNS = 1000;
    private volatile CsvRows rows = new CsvRows(List.of());
    private volatile int width;

    @Override
    public int extract(byte[] payload, FeatureSink sink) {
        WidthProbe probe = new WidthProbe();
        new CsvRows(List.of()).extract(payload, probe);
        if (probe.widest > width) {
            int columns = Math.min(MAX_COLUMNS, probe.widest);
            List<String> names = new ArrayList<>(columns);
            for (int i = 0; i < columns; i++) {
                names.add("_c" + i);
            }
            rows = new CsvRows(names);
            width = columns;
        }
        return rows.extract(payload, sink);
    }

    /** Counts each row's cells (all of them are extra columns to a row extractor with no names). */
    private static final class WidthProbe implements FeatureSink {
        int widest;

        @Override
        public void number(String feature, double value, boolean integral, String asText) {}

        @Override
        public void text(String feature, String value) {}

        @Override
        public void missing(String feature) {}

        @Override
        public void absent(String feature) {}

        @Override
        public void extraColumns(int count) {
            widest = Math.max(widest, count);
        }

        @Override
        public void endRow() {}
    }
}
