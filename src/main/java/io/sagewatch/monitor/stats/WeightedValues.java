package io.sagewatch.monitor.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantilesDoublesSketchIterator;

/**
 * A numeric distribution as distinct sorted values with their weights: what a Model Monitor (Deequ) KLL sketch and an
 * Apache DataSketches KLL sketch both reduce to, so that a baseline from either compares with a window from the other.
 * Immutable.
 */
public final class WeightedValues {

    public static final WeightedValues EMPTY = new WeightedValues(new double[0], new long[0]);

    private final double[] values;
    /** Weight of the values up to and including {@code values[i]}. */
    private final long[] cumulative;

    private WeightedValues(double[] values, long[] cumulative) {
        this.values = values;
        this.cumulative = cumulative;
    }

    /** Values with their weights, in any order, duplicates allowed; NaN values are dropped. */
    public static WeightedValues of(double[] values, long[] weights) {
        int n = values.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        double[] distinct = new double[n];
        long[] cumulative = new long[n];
        int size = 0;
        long total = 0;
        for (int i = 0; i < n; i++) {
            double value = values[order[i]];
            long weight = weights[order[i]];
            if (Double.isNaN(value) || weight <= 0) {
                continue;
            }
            total += weight;
            // -0.0 and 0.0 are one value, as for any reader comparing numbers
            if (size > 0 && distinct[size - 1] == value) {
                cumulative[size - 1] = total;
            } else {
                distinct[size] = value;
                cumulative[size] = total;
                size++;
            }
        }
        return new WeightedValues(Arrays.copyOf(distinct, size), Arrays.copyOf(cumulative, size));
    }

    /** Equally weighted values: the exact distribution of a sample. */
    public static WeightedValues ofSample(double[] sample) {
        long[] ones = new long[sample.length];
        Arrays.fill(ones, 1);
        return of(sample, ones);
    }

    /**
     * Model Monitor's {@code kll.sketch.data}: one array per compactor level, each item at level h standing for 2^h
     * values (Deequ's KLL layout).
     */
    public static WeightedValues ofLevels(List<double[]> levels) {
        int count = 0;
        for (double[] level : levels) {
            count += level.length;
        }
        double[] values = new double[count];
        long[] weights = new long[count];
        int i = 0;
        for (int h = 0; h < levels.size(); h++) {
            for (double value : levels.get(h)) {
                values[i] = value;
                weights[i++] = 1L << h;
            }
        }
        return of(values, weights);
    }

    /** The items a DataSketches KLL sketch retains, each with its weight (a power of two). */
    public static WeightedValues of(KllDoublesSketch sketch) {
        if (sketch.isEmpty()) {
            return EMPTY;
        }
        int retained = sketch.getNumRetained();
        double[] values = new double[retained];
        long[] weights = new long[retained];
        QuantilesDoublesSketchIterator items = sketch.iterator();
        int i = 0;
        while (items.next()) {
            values[i] = items.getQuantile();
            weights[i++] = items.getWeight();
        }
        return of(Arrays.copyOf(values, i), Arrays.copyOf(weights, i));
    }

    /**
     * In Model Monitor's level layout: a value of weight w goes to every level h whose bit is set in w, so the levels
     * stand for exactly the same distribution (and total) as this.
     */
    public List<double[]> toLevels() {
        int height = 1;
        for (int i = 0; i < values.length; i++) {
            height = Math.max(height, 64 - Long.numberOfLeadingZeros(weight(i)));
        }
        List<double[]> levels = new ArrayList<>(height);
        for (int h = 0; h < height; h++) {
            long bit = 1L << h;
            int count = 0;
            for (int i = 0; i < values.length; i++) {
                if ((weight(i) & bit) != 0) {
                    count++;
                }
            }
            double[] level = new double[count];
            int j = 0;
            for (int i = 0; i < values.length; i++) {
                if ((weight(i) & bit) != 0) {
                    level[j++] = values[i];
                }
            }
            levels.add(level);
        }
        return levels;
    }

    public long total() {
        return cumulative.length == 0 ? 0 : cumulative[cumulative.length - 1];
    }

    public boolean isEmpty() {
        return values.length == 0;
    }

    public int size() {
        return values.length;
    }

    public double value(int i) {
        return values[i];
    }

    public long weight(int i) {
        return cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
    }

    /** Weight of the values ≤ x. */
    public long rankInclusive(double x) {
        int i = upperIndex(x);
        return i < 0 ? 0 : cumulative[i];
    }

    /** Weight of the values &lt; x. */
    public long rankExclusive(double x) {
        int i = Arrays.binarySearch(values, x);
        int below = i >= 0 ? i - 1 : -i - 2;
        return below < 0 ? 0 : cumulative[below];
    }

    /** The share of the weight at or below x: the empirical CDF. */
    public double cdf(double x) {
        long total = total();
        return total == 0 ? 0 : (double) rankInclusive(x) / total;
    }

    /** The smallest value whose CDF reaches q (0 &lt; q ≤ 1). */
    public double quantile(double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double target = q * total();
        for (int i = 0; i < values.length; i++) {
            if (cumulative[i] >= target) {
                return values[i];
            }
        }
        return values[values.length - 1];
    }

    /**
     * The largest difference between the two CDFs, looked at every value either holds: the two-sample
     * Kolmogorov–Smirnov statistic, and Model Monitor's "linf_simple" distance.
     */
    public static double linfDistance(WeightedValues a, WeightedValues b) {
        long n = a.total();
        long m = b.total();
        if (n == 0 || m == 0) {
            return Double.NaN;
        }
        int i = 0;
        int j = 0;
        double largest = 0;
        while (i < a.values.length || j < b.values.length) {
            double x;
            if (j >= b.values.length || (i < a.values.length && a.values[i] <= b.values[j])) {
                x = a.values[i];
            } else {
                x = b.values[j];
            }
            while (i < a.values.length && a.values[i] <= x) {
                i++;
            }
            while (j < b.values.length && b.values[j] <= x) {
                j++;
            }
            double fa = i == 0 ? 0 : (double) a.cumulative[i - 1] / n;
            double fb = j == 0 ? 0 : (double) b.cumulative[j - 1] / m;
            largest = Math.max(largest, Math.abs(fa - fb));
        }
        return largest;
    }

    private int upperIndex(double x) {
        int i = Arrays.binarySearch(values, x);
        return i >= 0 ? i : -i - 2;
    }
}
