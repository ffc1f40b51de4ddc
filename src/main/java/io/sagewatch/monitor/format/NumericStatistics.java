package io.sagewatch.monitor.format;

import java.util.List;

import io.sagewatch.monitor.stats.WeightedValues;

/**
 * A numeric feature's {@code numerical_statistics}: population standard deviation, ten equal-width buckets from min to
 * max, and the KLL sketch they were read from.
 *
 * @param sketchC the sketch's {@code parameters.c} as written (its compactors' shrink factor)
 * @param sketchK the sketch's {@code parameters.k} as written (its size parameter)
 */
public record NumericStatistics(
        double mean,
        double sum,
        double stdDev,
        double min,
        double max,
        List<Bucket> buckets,
        WeightedValues sketch,
        double sketchC,
        double sketchK) {

    /** Model Monitor always materialises this many buckets. */
    public static final int BUCKETS = 10;

    public record Bucket(double lowerBound, double upperBound, double count) {}

    /**
     * The ten buckets of a distribution, as Deequ counts them: [lower, upper) except the last, which includes max.
     */
    public static List<Bucket> buckets(WeightedValues sketch, double min, double max) {
        Bucket[] buckets = new Bucket[BUCKETS];
        double width = (max - min) / BUCKETS;
        for (int i = 0; i < BUCKETS; i++) {
            double lower = min + width * i;
            double upper = i == BUCKETS - 1 ? max : min + width * (i + 1);
            double count = i == BUCKETS - 1
                    ? sketch.rankInclusive(upper) - sketch.rankExclusive(lower)
                    : sketch.rankExclusive(upper) - sketch.rankExclusive(lower);
            buckets[i] = new Bucket(lower, upper, count);
        }
        return List.of(buckets);
    }

    /** How many of the given distribution's values fall in each of these buckets' bounds (Deequ's rule). */
    public double[] countsIn(WeightedValues values) {
        double[] counts = new double[buckets.size()];
        for (int i = 0; i < counts.length; i++) {
            Bucket bucket = buckets.get(i);
            counts[i] = i == counts.length - 1
                    ? values.rankInclusive(bucket.upperBound()) - values.rankExclusive(bucket.lowerBound())
                    : values.rankExclusive(bucket.upperBound()) - values.rankExclusive(bucket.lowerBound());
        }
        return counts;
    }

    public double[] bucketCounts() {
        double[] counts = new double[buckets.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets.get(i).count();
        }
        return counts;
    }
}
