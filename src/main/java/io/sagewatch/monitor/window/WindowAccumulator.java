package io.sagewatch.monitor.window;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.sagewatch.monitor.features.FeatureSink;
import io.sagewatch.monitor.format.DatasetStatistics;
import io.sagewatch.monitor.format.FeatureStatistics;
import io.sagewatch.monitor.format.FeatureType;

/**
 * One endpoint's rows over one window, feature by feature, mergeable and serialisable: what each replica accumulates
 * and writes, and what the evaluating replica merges. Not thread-safe: one worker owns it.
 */
public final class WindowAccumulator implements FeatureSink {

    private static final byte FORMAT = 1;
    /** Features one window keeps: names in payloads can be client-chosen (every JSON field, say). */
    public static final int MAX_FEATURES = 256;
    /** Longer names are not features (a metric name holds 255 characters, with its prefix). */
    public static final int MAX_FEATURE_NAME = 200;
    /** Where the values of a feature over the limits go: counted nowhere. */
    private final FeatureAccumulator overflow;

    private final int kllK;
    private final Map<String, FeatureAccumulator> features = new LinkedHashMap<>();
    private long rows;
    private long rowsWithExtraColumns;
    private int mostExtraColumns;
    private boolean rowHadExtra;
    private boolean overflowed;

    public WindowAccumulator(int kllK) {
        this.kllK = kllK;
        this.overflow = new FeatureAccumulator(FeatureAccumulator.MIN_SKETCH_SIZE);
    }

    public static WindowAccumulator merged(int kllK, Collection<WindowAccumulator> parts) {
        WindowAccumulator merged = new WindowAccumulator(kllK);
        parts.forEach(merged::merge);
        return merged;
    }

    @Override
    public void number(String feature, double value, boolean integral, String asText) {
        feature(feature).addNumber(value, integral, asText);
    }

    @Override
    public void text(String feature, String value) {
        feature(feature).addText(value);
    }

    @Override
    public void missing(String feature) {
        feature(feature).addMissing();
    }

    @Override
    public void absent(String feature) {
        feature(feature).addAbsent();
    }

    @Override
    public void extraColumns(int count) {
        if (count > 0) {
            rowHadExtra = true;
            mostExtraColumns = Math.max(mostExtraColumns, count);
        }
    }

    @Override
    public void endRow() {
        rows++;
        if (rowHadExtra) {
            rowsWithExtraColumns++;
            rowHadExtra = false;
        }
    }

    public void merge(WindowAccumulator other) {
        rows += other.rows;
        rowsWithExtraColumns += other.rowsWithExtraColumns;
        mostExtraColumns = Math.max(mostExtraColumns, other.mostExtraColumns);
        other.features.forEach((name, state) -> {
            FeatureAccumulator mine = feature(name);
            if (mine != overflow) {
                mine.merge(state);
            }
        });
    }

    public long rows() {
        return rows;
    }

    public long rowsWithExtraColumns() {
        return rowsWithExtraColumns;
    }

    public int mostExtraColumns() {
        return mostExtraColumns;
    }

    public FeatureAccumulator feature(String name) {
        FeatureAccumulator feature = features.get(name);
        if (feature == null) {
            if (features.size() >= MAX_FEATURES || name.length() > MAX_FEATURE_NAME) {
                overflowed = true;
                return overflow;
            }
            feature = new FeatureAccumulator(kllK);
            features.put(name, feature);
        }
        return feature;
    }

    /** Whether some feature was left out for the limits ({@link #MAX_FEATURES}, {@link #MAX_FEATURE_NAME}). */
    public boolean overflowed() {
        return overflowed;
    }

    /** The feature's state if any row had it, else null. */
    public FeatureAccumulator featureOrNull(String name) {
        return features.get(name);
    }

    /**
     * The feature as the window's rows saw it: every row counts, so a feature a row did not report at all (a JSON
     * field left out, with no pointers configured) is absent there, and a feature no row had is absent in all.
     */
    public FeatureAccumulator featureOverRows(String name) {
        FeatureAccumulator state = features.get(name);
        FeatureAccumulator over = new FeatureAccumulator(state == null ? FeatureAccumulator.MIN_SKETCH_SIZE : kllK);
        if (state != null) {
            over.merge(state);
        }
        over.absentIn(rows - over.rows());
        return over;
    }

    public List<String> featureNames() {
        return new ArrayList<>(features.keySet());
    }

    /**
     * As a {@code statistics.json}, each feature typed as the baseline has it (when given) so that it compares like
     * with like; features in the given order first, then any others.
     */
    public DatasetStatistics toStatistics(List<String> order, Function<String, FeatureType> baselineType) {
        List<FeatureStatistics> statistics = new ArrayList<>();
        List<String> names = new ArrayList<>(order);
        for (String name : features.keySet()) {
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        for (String name : names) {
            FeatureAccumulator state = features.get(name);
            FeatureType type = baselineType.apply(name);
            if (state == null) {
                state = new FeatureAccumulator(kllK);
            }
            statistics.add(state.toStatistics(name, type == FeatureType.UNKNOWN ? null : type, rows));
        }
        return new DatasetStatistics(rows, List.copyOf(statistics));
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(rows);
            out.writeLong(rowsWithExtraColumns);
            out.writeInt(mostExtraColumns);
            out.writeInt(features.size());
            for (Map.Entry<String, FeatureAccumulator> feature : features.entrySet()) {
                out.writeUTF(feature.getKey());
                feature.getValue().writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static WindowAccumulator fromBytes(int kllK, byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IOException("unknown window state format " + format);
            }
            WindowAccumulator window = new WindowAccumulator(kllK);
            window.rows = in.readLong();
            window.rowsWithExtraColumns = in.readLong();
            window.mostExtraColumns = in.readInt();
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                window.features.put(in.readUTF(), FeatureAccumulator.readFrom(in));
            }
            return window;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
