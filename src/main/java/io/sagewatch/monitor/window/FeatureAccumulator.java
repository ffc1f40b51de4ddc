package io.sagewatch.monitor.window;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantilesDoublesSketchIterator;

import io.sagewatch.monitor.format.FeatureStatistics;
import io.sagewatch.monitor.format.FeatureType;
import io.sagewatch.monitor.format.NumericStatistics;
import io.sagewatch.monitor.format.StringStatistics;
import io.sagewatch.monitor.stats.WeightedValues;

/**
 * One feature's statistics over a window, mergeable across replicas: exact counts and moments, a KLL quantile sketch
 * of its numbers, a frequent-items sketch and a distinct count of its values as text. Not thread-safe: one worker
 * owns it. The sketches are serialised as what they hold (retained items with their weights, items with their
 * counts), never through datasketches-memory, which refuses to load on Java 25 and so in the native image.
 */
public final class FeatureAccumulator {

    /** Categorical buckets are written for features of at most this many distinct values (Deequ profiles up to 120). */
    public static final int MAX_CATEGORIES = 120;
    /** The KLL sketches' shrink factor, written as {@code parameters.c} (DataSketches' compactors shrink by 2/3). */
    static final double KLL_C = 2.0 / 3.0;

    private static final int FREQUENT_ITEMS_MAP = 256; // exact counts for up to 192 distinct values
    private static final byte FORMAT = 2;
    /** The smallest KLL sketch size DataSketches allows. */
    public static final int MIN_SKETCH_SIZE = 8;
    /** Longer values are counted under their first this-many characters (a category is a short value). */
    static final int MAX_CATEGORY_CHARS = 256;

    private final int kllK;
    private long present;
    private long missing;
    /** Rows in which the feature's column (CSV) or pointer (JSON) was not there at all: counted as missing too. */
    private long absent;

    private long integral;
    private long fractional;
    private long text;
    private long numbers;
    private double mean;
    private double squaredDeviations;
    private double sum;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private KllDoublesSketch quantiles;
    private ItemsSketch<String> frequent;
    private DistinctCount distinct;

    public FeatureAccumulator(int kllK) {
        this.kllK = kllK;
        this.quantiles = KllDoublesSketch.newHeapInstance(kllK);
        this.frequent = new ItemsSketch<>(FREQUENT_ITEMS_MAP);
        this.distinct = new DistinctCount();
    }

    /** A number, with its text as the payload had it (for the categorical view of a string feature). */
    public void addNumber(double value, boolean isIntegral, String asText) {
        if (!Double.isFinite(value)) {
            addText(asText);
            return;
        }
        present++;
        if (isIntegral) {
            integral++;
        } else {
            fractional++;
        }
        numbers++;
        double delta = value - mean;
        mean += delta / numbers;
        squaredDeviations += delta * (value - mean);
        sum += value;
        min = Math.min(min, value);
        max = Math.max(max, value);
        quantiles.update(value);
        frequent.update(category(asText));
        distinct.add(asText);
    }

    public void addText(String value) {
        present++;
        text++;
        frequent.update(category(value));
        distinct.add(value);
    }

    private static String category(String value) {
        return value.length() <= MAX_CATEGORY_CHARS ? value : value.substring(0, MAX_CATEGORY_CHARS);
    }

    public void addMissing() {
        missing++;
    }

    public void addAbsent() {
        missing++;
        absent++;
    }

    /** That many more rows did not have the feature at all. */
    void absentIn(long rows) {
        if (rows > 0) {
            missing += rows;
            absent += rows;
        }
    }

    /** Adds another replica's (or window's) accumulation of the same feature. */
    public void merge(FeatureAccumulator other) {
        present += other.present;
        missing += other.missing;
        absent += other.absent;
        integral += other.integral;
        fractional += other.fractional;
        text += other.text;
        if (other.numbers > 0) {
            long total = numbers + other.numbers;
            double delta = other.mean - mean;
            mean += delta * other.numbers / total;
            squaredDeviations += other.squaredDeviations + delta * delta * numbers * other.numbers / total;
            numbers = total;
            sum += other.sum;
            min = Math.min(min, other.min);
            max = Math.max(max, other.max);
            quantiles.merge(other.quantiles);
        }
        frequent.merge(other.frequent);
        distinct.merge(other.distinct);
    }

    public long present() {
        return present;
    }

    public long missing() {
        return missing;
    }

    public long absent() {
        return absent;
    }

    public long rows() {
        return present + missing;
    }

    public long integral() {
        return integral;
    }

    public long fractional() {
        return fractional;
    }

    public long text() {
        return text;
    }

    public double min() {
        return numbers == 0 ? Double.NaN : min;
    }

    public double max() {
        return numbers == 0 ? Double.NaN : max;
    }

    /** How many of the present values were numbers. */
    public long numericCount() {
        return numbers;
    }

    public double sum() {
        return sum;
    }

    /** Deequ's inference: any text makes a String; else any fraction a Fractional; else Integral; nothing: Unknown. */
    public FeatureType inferredType() {
        if (text > 0) {
            return FeatureType.STRING;
        }
        if (fractional > 0) {
            return FeatureType.FRACTIONAL;
        }
        return integral > 0 ? FeatureType.INTEGRAL : FeatureType.UNKNOWN;
    }

    /** How many present values are of the given type (an integer is also a valid Fractional; anything is a String). */
    public long matching(FeatureType type) {
        return switch (type) {
            case INTEGRAL -> integral;
            case FRACTIONAL -> integral + fractional;
            case STRING -> present;
            case UNKNOWN -> 0;
        };
    }

    /** The numbers seen, as a distribution. */
    public WeightedValues numbers() {
        return WeightedValues.of(quantiles);
    }

    /** Counts per value as text (exact up to the frequent-items sketch's capacity, estimates beyond). */
    public Map<String, Double> categories() {
        Map<String, Double> categories = new LinkedHashMap<>();
        for (ItemsSketch.Row<String> row : frequent.getFrequentItems(0, ErrorType.NO_FALSE_NEGATIVES)) {
            categories.put(row.getItem(), (double) row.getEstimate());
        }
        return categories;
    }

    public double distinctCount() {
        return Math.round(distinct.estimate());
    }

    /**
     * In Model Monitor's {@code statistics.json} shape, as the type given (the baseline's, so that a window compares
     * like with like) or, when null, the type inferred from the values.
     * Over the window's rows: a row that did not report the feature counts as missing it.
     */
    public FeatureStatistics toStatistics(String name, FeatureType asType, long rows) {
        long missing = Math.max(this.missing, rows - present);
        FeatureType type = asType != null ? asType : inferredType();
        if (type.isNumeric()) {
            WeightedValues values = numbers();
            double mean = numbers == 0 ? Double.NaN : this.mean;
            double std = numbers == 0 ? Double.NaN : Math.sqrt(squaredDeviations / numbers);
            NumericStatistics numeric = new NumericStatistics(
                    mean,
                    numbers == 0 ? Double.NaN : sum,
                    std,
                    min(),
                    numbers == 0 ? Double.NaN : max,
                    values.isEmpty() ? java.util.List.of() : NumericStatistics.buckets(values, min, max),
                    values,
                    KLL_C,
                    kllK);
            return new FeatureStatistics(name, type, present, missing, numeric, null);
        }
        if (type == FeatureType.STRING) {
            double distinctCount = distinctCount();
            Map<String, Double> categories =
                    frequent.getNumActiveItems() <= MAX_CATEGORIES && distinctCount <= MAX_CATEGORIES * 1.05
                            ? categories()
                            : null;
            return new FeatureStatistics(
                    name, type, present, missing, null, new StringStatistics(distinctCount, categories));
        }
        return new FeatureStatistics(name, type, present, missing, null, null);
    }

    void writeTo(DataOutputStream out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(kllK);
        out.writeLong(present);
        out.writeLong(missing);
        out.writeLong(absent);
        out.writeLong(integral);
        out.writeLong(fractional);
        out.writeLong(text);
        out.writeLong(numbers);
        out.writeDouble(mean);
        out.writeDouble(squaredDeviations);
        out.writeDouble(sum);
        out.writeDouble(min);
        out.writeDouble(max);
        QuantilesDoublesSketchIterator items = quantiles.iterator();
        out.writeInt(quantiles.isEmpty() ? 0 : quantiles.getNumRetained());
        while (items.next()) {
            out.writeDouble(items.getQuantile());
            out.writeLong(items.getWeight());
        }
        ItemsSketch.Row<String>[] rows = frequent.getFrequentItems(0, ErrorType.NO_FALSE_NEGATIVES);
        out.writeInt(rows.length);
        for (ItemsSketch.Row<String> row : rows) {
            out.writeUTF(row.getItem());
            out.writeLong(row.getEstimate());
        }
        distinct.writeTo(out);
    }

    static FeatureAccumulator readFrom(DataInputStream in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("unknown feature state format " + format);
        }
        FeatureAccumulator state = new FeatureAccumulator(in.readInt());
        state.present = in.readLong();
        state.missing = in.readLong();
        state.absent = in.readLong();
        state.integral = in.readLong();
        state.fractional = in.readLong();
        state.text = in.readLong();
        state.numbers = in.readLong();
        state.mean = in.readDouble();
        state.squaredDeviations = in.readDouble();
        state.sum = in.readDouble();
        state.min = in.readDouble();
        state.max = in.readDouble();
        // a sketch rebuilt from its items with their weights stands for the same distribution and count
        int retained = in.readInt();
        for (int i = 0; i < retained; i++) {
            double value = in.readDouble();
            state.quantiles.update(value, in.readLong());
        }
        int rows = in.readInt();
        for (int i = 0; i < rows; i++) {
            String item = in.readUTF();
            state.frequent.update(item, in.readLong());
        }
        state.distinct = DistinctCount.readFrom(in);
        return state;
    }
}
