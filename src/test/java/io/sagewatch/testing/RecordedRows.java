package io.sagewatch.testing;

import java.util.ArrayList;
import java.util.List;

import io.sagewatch.monitor.features.FeatureSink;

/** A feature sink that writes down what it is given, one string per call, rows separated by "|". */
public final class RecordedRows implements FeatureSink {

    private final List<String> rows = new ArrayList<>();
    private final List<String> current = new ArrayList<>();

    @Override
    public void number(String feature, double value, boolean integral, String asText) {
        current.add(feature + "=" + (integral ? "int:" : "num:") + asText);
    }

    @Override
    public void text(String feature, String value) {
        current.add(feature + "=str:" + value);
    }

    @Override
    public void missing(String feature) {
        current.add(feature + "=missing");
    }

    @Override
    public void absent(String feature) {
        current.add(feature + "=absent");
    }

    @Override
    public void extraColumns(int count) {
        if (count > 0) {
            current.add("extra=" + count);
        }
    }

    @Override
    public void endRow() {
        rows.add(String.join(", ", current));
        current.clear();
    }

    /** Each row as "feature=kind:value, ..." in the order put. */
    public List<String> rows() {
        return rows;
    }
}
