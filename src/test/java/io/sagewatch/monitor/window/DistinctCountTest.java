package io.sagewatch.monitor.window;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class DistinctCountTest {

    @Test
    void estimatesWithinItsErrorFromAFewToAMillion() {
        for (int n : new int[] {1, 7, 100, 2_000, 50_000, 1_000_000}) {
            DistinctCount count = new DistinctCount();
            for (int i = 0; i < n; i++) {
                count.add("user-" + i);
                count.add("user-" + i); // repeats change nothing
            }
            // 1.04 / sqrt(1024) = 3.25 % standard error; four of them
            assertThat(count.estimate()).as("n = %d", n).isCloseTo(n, within(Math.max(1.0, n * 0.13)));
        }
    }

    @Test
    void mergedIsTheCountOfTheUnionAndSurvivesItsBytes() throws Exception {
        DistinctCount left = new DistinctCount();
        DistinctCount right = new DistinctCount();
        for (int i = 0; i < 30_000; i++) {
            left.add("k" + i);
            right.add("k" + (i + 10_000));
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        right.writeTo(new DataOutputStream(bytes));
        left.merge(DistinctCount.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))));
        assertThat(left.estimate()).isCloseTo(40_000, within(40_000 * 0.13));
    }
}
