package io.sagewatch.monitor.window;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * HyperLogLog over 1024 registers (about 3 % error): the approximate distinct count Model Monitor writes, mergeable
 * across replicas by taking each register's maximum. Our own, serialised as its registers: DataSketches' HLL
 * serialises through datasketches-memory, whose 3.x refuses to load on Java 25 (and so in the native image).
 */
final class DistinctCount {

    private static final int PRECISION = 10;
    private static final int REGISTERS = 1 << PRECISION;
    private static final double ALPHA = 0.7213 / (1 + 1.079 / REGISTERS);

    private final byte[] registers = new byte[REGISTERS];

    void add(String value) {
        long hash = hash(value);
        int register = (int) (hash >>> (64 - PRECISION));
        // the rank of the first 1 bit in the remaining 54 bits (a guard bit bounds it)
        int rank = Long.numberOfLeadingZeros((hash << PRECISION) | (1L << (PRECISION - 1))) + 1;
        if (rank > registers[register]) {
            registers[register] = (byte) rank;
        }
    }

    void merge(DistinctCount other) {
        for (int i = 0; i < REGISTERS; i++) {
            registers[i] = (byte) Math.max(registers[i], other.registers[i]);
        }
    }

    double estimate() {
        double sum = 0;
        int zeros = 0;
        for (byte register : registers) {
            sum += Math.scalb(1.0, -register);
            if (register == 0) {
                zeros++;
            }
        }
        double raw = ALPHA * REGISTERS * REGISTERS / sum;
        if (raw <= 2.5 * REGISTERS && zeros > 0) {
            return REGISTERS * Math.log((double) REGISTERS / zeros); // linear counting while registers are empty
        }
        return raw;
    }

    void writeTo(DataOutputStream out) throws IOException {
        out.write(registers);
    }

    static DistinctCount readFrom(DataInputStream in) throws IOException {
        DistinctCount count = new DistinctCount();
        in.readFully(count.registers);
        return count;
    }

    /** FNV-1a over the characters, then SplitMix64's finaliser to spread every bit. */
    static long hash(String value) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < value.length(); i++) {
            hash ^= value.charAt(i);
            hash *= 0x100000001b3L;
        }
        hash ^= hash >>> 30;
        hash *= 0xbf58476d1ce4e5b9L;
        hash ^= hash >>> 27;
        hash *= 0x94d049bb133111ebL;
        hash ^= hash >>> 31;
        return hash;
    }
}
