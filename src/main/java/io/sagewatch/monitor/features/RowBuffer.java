package io.sagewatch.monitor.features;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Rows held to be put later into another sink (the output's rows, joined to the input's). */
final class RowBuffer implements FeatureSink {

    private final List<List<Consumer<FeatureSink>>> rows = new ArrayList<>();
    private List<Consumer<FeatureSink>> current = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    @Override
    public void number(String feature, double value, boolean integral, String asText) {
        remember(feature);
        current.add(sink -> sink.number(feature, value, integral, asText));
    }

    @Override
    public void text(String feature, String value) {
        remember(feature);
        current.add(sink -> sink.text(feature, value));
    }

    @Override
    public void missing(String feature) {
        remember(feature);
        current.add(sink -> sink.missing(feature));
    }

    @Override
    public void absent(String feature) {
        remember(feature);
        current.add(sink -> sink.absent(feature));
    }

    @Override
    public void extraColumns(int count) {
        // the input's columns decide the row's shape
    }

    @Override
    public void endRow() {
        rows.add(current);
        current = new ArrayList<>();
    }

    /** Row i into the sink; past the last row, every feature seen is absent. */
    void replay(int i, FeatureSink sink) {
        if (i < rows.size()) {
            rows.get(i).forEach(put -> put.accept(sink));
        } else {
            names.forEach(sink::absent);
        }
    }

    private void remember(String feature) {
        if (!names.contains(feature)) {
            names.add(feature);
        }
    }
}
