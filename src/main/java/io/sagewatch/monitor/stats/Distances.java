package io.sagewatch.monitor.stats;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The distances Model Monitor compares a window's distribution to its baseline's with (the formulas of Deequ's
 * {@code Distance}, which the Model Monitor container is built on), and two opt-in ones over the baseline's buckets.
 */
public final class Distances {

    /** Deequ's default critical-value factor of the robust correction, a significance level of about 0.003. */
    public static final double ROBUST_C_ALPHA = 1.8;

    private Distances() {}

    /**
     * "Robust" ({@code linf_robust}): the simple distance less the two-sample Kolmogorov–Smirnov critical value for
     * samples of n and m, never below 0, so that a small window's noise is not reported as drift.
     */
    public static double robust(double linfSimple, long n, long m) {
        return robust(linfSimple, n, m, ROBUST_C_ALPHA);
    }

    /** As {@link #robust(double, long, long)}, with the critical-value factor of a chosen significance level. */
    public static double robust(double linfSimple, long n, long m, double cAlpha) {
        if (Double.isNaN(linfSimple) || n == 0 || m == 0) {
            return Double.NaN;
        }
        double critical = cAlpha * Math.sqrt((double) (n + m) / ((double) n * m));
        return Math.max(0, linfSimple - critical);
    }

    /** The Kolmogorov–Smirnov critical-value factor for significance level alpha: sqrt(−ln(alpha / 2) / 2). */
    public static double cAlpha(double alpha) {
        return Math.sqrt(-Math.log(alpha / 2) / 2);
    }

    /** The largest difference between two categorical distributions' shares; a category one lacks counts as 0. */
    public static double categoricalLinf(Map<String, ? extends Number> baseline, Map<String, ? extends Number> window) {
        double n = total(baseline);
        double m = total(window);
        if (n == 0 || m == 0) {
            return Double.NaN;
        }
        Set<String> keys = new HashSet<>(baseline.keySet());
        keys.addAll(window.keySet());
        double largest = 0;
        for (String key : keys) {
            double p = count(baseline, key) / n;
            double q = count(window, key) / m;
            largest = Math.max(largest, Math.abs(p - q));
        }
        return largest;
    }

    /**
     * Pearson's chi-squared goodness-of-fit of the window's counts to the baseline's shares, over the baseline's
     * categories (categories only the window has are left out), after Deequ's regrouping: while more than 20 % of the
     * expected counts are below 5 (two categories: any below 10), the smallest category is folded into the next
     * smallest.
     *
     * @return the test's p-value (low means drift), or NaN when fewer than two categories remain
     */
    public static ChiSquaredTest chiSquared(
            Map<String, ? extends Number> baseline, Map<String, ? extends Number> window) {
        double expectedTotal = total(baseline);
        double sampleTotal = 0;
        for (String key : baseline.keySet()) {
            sampleTotal += count(window, key);
        }
        if (expectedTotal == 0 || sampleTotal == 0) {
            return new ChiSquaredTest(Double.NaN, Double.NaN, 0);
        }
        List<double[]> cells = new ArrayList<>(); // {expected, observed}
        for (String key : baseline.keySet()) {
            cells.add(new double[] {count(baseline, key) / expectedTotal * sampleTotal, count(window, key)});
        }
        cells.sort((a, b) -> Double.compare(a[0], b[0]));
        while (cells.size() >= 2 && !valid(cells)) {
            double[] smallest = cells.remove(0);
            cells.get(0)[0] += smallest[0];
            cells.get(0)[1] += smallest[1];
            cells.sort((a, b) -> Double.compare(a[0], b[0]));
        }
        if (cells.size() < 2) {
            return new ChiSquaredTest(Double.NaN, Double.NaN, 0);
        }
        double statistic = 0;
        for (double[] cell : cells) {
            double difference = cell[1] - cell[0];
            statistic += difference * difference / cell[0];
        }
        int degrees = cells.size() - 1;
        return new ChiSquaredTest(statistic, ChiSquaredDistribution.survival(statistic, degrees), degrees);
    }

    /** A chi-squared test's outcome. */
    public record ChiSquaredTest(double statistic, double pValue, int degreesOfFreedom) {}

    /** Share given to an empty bucket by {@link #psi} and {@link #jensenShannon}, as is customary for PSI. */
    public static final double EMPTY_BUCKET_SHARE = 1e-4;

    /**
     * Population Stability Index of the window's bucket shares against the baseline's: Σ (q − p)·ln(q / p), an empty
     * bucket counting as {@link #EMPTY_BUCKET_SHARE}. Rules of thumb: below 0.1 stable, above 0.25 shifted.
     */
    public static double psi(double[] baselineCounts, double[] windowCounts) {
        double[] p = shares(baselineCounts);
        double[] q = shares(windowCounts);
        if (p == null || q == null) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            double pi = Math.max(p[i], EMPTY_BUCKET_SHARE);
            double qi = Math.max(q[i], EMPTY_BUCKET_SHARE);
            sum += (qi - pi) * Math.log(qi / pi);
        }
        return sum;
    }

    /**
     * Jensen–Shannon distance (the square root of the divergence, in bits: 0 same, 1 disjoint) between the baseline's
     * and the window's bucket shares.
     */
    public static double jensenShannon(double[] baselineCounts, double[] windowCounts) {
        double[] p = shares(baselineCounts);
        double[] q = shares(windowCounts);
        if (p == null || q == null) {
            return Double.NaN;
        }
        double divergence = 0;
        for (int i = 0; i < p.length; i++) {
            double mid = (p[i] + q[i]) / 2;
            divergence += (entropyTerm(p[i], mid) + entropyTerm(q[i], mid)) / 2;
        }
        return Math.sqrt(Math.max(0, divergence) / Math.log(2));
    }

    /** The window's counts in the baseline's categories, in the baseline's order, plus one bucket for any other. */
    public static double[][] alignedCategories(
            Map<String, ? extends Number> baseline, Map<String, ? extends Number> window) {
        Map<String, Integer> index = new LinkedHashMap<>();
        for (String key : baseline.keySet()) {
            index.put(key, index.size());
        }
        double[] p = new double[index.size() + 1];
        double[] q = new double[index.size() + 1];
        baseline.forEach((key, count) -> p[index.get(key)] += count.doubleValue());
        window.forEach((key, count) -> q[index.getOrDefault(key, p.length - 1)] += count.doubleValue());
        return new double[][] {p, q};
    }

    private static double entropyTerm(double share, double mid) {
        return share == 0 ? 0 : share * Math.log(share / mid);
    }

    private static double[] shares(double[] counts) {
        double total = 0;
        for (double count : counts) {
            total += count;
        }
        if (total <= 0) {
            return null;
        }
        double[] shares = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            shares[i] = counts[i] / total;
        }
        return shares;
    }

    private static boolean valid(List<double[]> cells) {
        if (cells.size() == 2) {
            return cells.get(0)[0] >= 10 && cells.get(1)[0] >= 10;
        }
        int small = 0;
        for (double[] cell : cells) {
            if (cell[0] < 5) {
                small++;
            }
        }
        return small <= Math.floor(0.2 * cells.size());
    }

    private static double total(Map<String, ? extends Number> counts) {
        double total = 0;
        for (Number count : counts.values()) {
            total += count.doubleValue();
        }
        return total;
    }

    private static double count(Map<String, ? extends Number> counts, String key) {
        Number count = counts.get(key);
        return count == null ? 0 : count.doubleValue();
    }
}
