package io.sagewatch.rollups;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * A latency distribution in logarithmic buckets (as DDSketch lays them out): any quantile within 1 % of the true value
 * (relative), and two sketches merge exactly by adding their buckets, so that replicas' minutes add up to the same
 * sketch in any order. Values are milliseconds; at most one bucket per 2 % step between 1 µs and 10^7 ms, stored
 * densely between the lowest and highest bucket used (a minute's latencies span a few decades: a few hundred ints).
 */
public final class LatencySketch {

    /** Relative accuracy of a quantile. */
    public static final double ACCURACY = 0.01;

    private static final double GAMMA = (1 + ACCURACY) / (1 - ACCURACY);
    private static final double LOG_GAMMA = Math.log(GAMMA);
    /** Below this (1 µs), a value counts as zero. */
    private static final double SMALLEST = 1e-3;

    private long count;
    private long zeros;
    private int offset;
    private int[] buckets = new int[0];

    public void add(double millis) {
        if (!(millis >= 0) || Double.isInfinite(millis)) {
            return; // NaN and negative durations are not latencies
        }
        count++;
        if (millis < SMALLEST) {
            zeros++;
            return;
        }
        int index = (int) Math.ceil(Math.log(millis) / LOG_GAMMA);
        slot(index, 1);
    }

    private void slot(int index, int add) {
        if (buckets.length == 0) {
            buckets = new int[8];
            offset = index;
        } else if (index < offset) {
            int grow = Math.max(offset - index, buckets.length / 2);
            int[] wider = new int[buckets.length + grow];
            System.arraycopy(buckets, 0, wider, grow, buckets.length);
            buckets = wider;
            offset -= grow;
        } else if (index >= offset + buckets.length) {
            int needed = index - offset + 1;
            buckets = Arrays.copyOf(buckets, Math.max(needed, buckets.length + buckets.length / 2));
        }
        buckets[index - offset] += add;
    }

    public void merge(LatencySketch other) {
        count += other.count;
        zeros += other.zeros;
        for (int i = 0; i < other.buckets.length; i++) {
            if (other.buckets[i] != 0) {
                slot(other.offset + i, other.buckets[i]);
            }
        }
    }

    public long count() {
        return count;
    }

    /** The value at quantile {@code q} (0 to 1), within {@link #ACCURACY}; NaN when empty. */
    public double quantile(double q) {
        if (count == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.floor(q * (count - 1));
        if (rank < zeros) {
            return 0;
        }
        long seen = zeros;
        for (int i = 0; i < buckets.length; i++) {
            seen += buckets[i];
            if (seen > rank) {
                // the bucket (gamma^(k-1), gamma^k] answers with the value that is within ACCURACY of both ends
                return 2 * Math.pow(GAMMA, offset + i) / (GAMMA + 1);
            }
        }
        return 2 * Math.pow(GAMMA, offset + buckets.length - 1) / (GAMMA + 1);
    }

    void write(DataOutputStream out) throws IOException {
        out.writeLong(count);
        out.writeLong(zeros);
        int first = 0;
        int last = buckets.length - 1;
        while (first <= last && buckets[first] == 0) {
            first++;
        }
        while (last >= first && buckets[last] == 0) {
            last--;
        }
        int used = last - first + 1;
        out.writeInt(used <= 0 ? 0 : used);
        if (used > 0) {
            out.writeInt(offset + first);
            for (int i = first; i <= last; i++) {
                Rollup.writeVarint(out, buckets[i]);
            }
        }
    }

    static LatencySketch read(DataInputStream in) throws IOException {
        LatencySketch sketch = new LatencySketch();
        sketch.count = in.readLong();
        sketch.zeros = in.readLong();
        int used = in.readInt();
        if (used > 0) {
            sketch.offset = in.readInt();
            sketch.buckets = new int[used];
            for (int i = 0; i < used; i++) {
                sketch.buckets[i] = Rollup.readVarint(in);
            }
        }
        return sketch;
    }
}
