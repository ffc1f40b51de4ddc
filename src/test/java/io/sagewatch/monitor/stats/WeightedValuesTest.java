package io.sagewatch.monitor.stats;

import java.util.List;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WeightedValuesTest {

    @Test
    void readsModelMonitorLevelsWithTheirWeights() {
        // level h items weigh 2^h: 3 + 2·2 + 1·4 = 11 values
        WeightedValues values = WeightedValues.ofLevels(
                List.of(new double[] {5, 1, 3}, new double[] {2, 4}, new double[] {}, new double[] {3}));
        assertThat(values.total()).isEqualTo(3 + 4 + 8);
        assertThat(values.rankInclusive(3)).isEqualTo(1 + 2 + 1 + 8);
        assertThat(values.rankExclusive(3)).isEqualTo(1 + 2);
        assertThat(values.cdf(0.5)).isZero();
        assertThat(values.cdf(5)).isEqualTo(1.0);
        assertThat(values.quantile(0.5)).isEqualTo(3.0);
    }

    @Test
    void levelsWrittenBackStandForTheSameDistribution() {
        WeightedValues values = WeightedValues.of(new double[] {1, 2, 3, 2}, new long[] {1, 4, 6, 1});
        List<double[]> levels = values.toLevels();
        WeightedValues again = WeightedValues.ofLevels(levels);
        assertThat(again.total()).isEqualTo(12);
        for (double x : new double[] {0, 1, 2, 2.5, 3}) {
            assertThat(again.rankInclusive(x)).isEqualTo(values.rankInclusive(x));
        }
        // weight 5 (value 2) is 4 + 1: level 0 and level 2
        assertThat(levels.get(0)).contains(1.0, 2.0);
        assertThat(levels.get(2)).contains(2.0, 3.0);
    }

    @Test
    void aDataSketchesSketchKeepsItsTotal() {
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(200);
        for (int i = 0; i < 100_000; i++) {
            sketch.update(i % 977);
        }
        WeightedValues values = WeightedValues.of(sketch);
        assertThat(values.total()).isEqualTo(100_000);
        assertThat(values.size()).isLessThan(1000);
        assertThat(WeightedValues.ofLevels(values.toLevels()).total()).isEqualTo(100_000);
    }
}
