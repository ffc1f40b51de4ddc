package io.sagewatch.monitor.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagewatch.testing.PythonScript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The distances against Deequ's own test vectors and against scipy on the same samples. */
class DistancesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void numericDistancesAreDeequs() {
        WeightedValues a = WeightedValues.ofSample(new double[] {1, 2, 3, 4});
        WeightedValues b = WeightedValues.ofSample(new double[] {2, 3, 4, 5});
        double simple = WeightedValues.linfDistance(a, b);
        assertThat(simple).isEqualTo(0.25);
        assertThat(Distances.robust(simple, 4, 4)).isEqualTo(0.0);
    }

    @Test
    void categoricalDistancesAreDeequs() {
        double close = Distances.categoricalLinf(
                counts("a", 10, "b", 20, "c", 25, "d", 10, "e", 5),
                counts("a", 11, "b", 20, "c", 25, "d", 10, "e", 10));
        assertThat(close).isCloseTo(0.06015037593984962, within(1e-15));
        assertThat(Distances.robust(close, 70, 76)).isZero();
        Map<String, Integer> first = counts("a", 207, "b", 20, "c", 25, "d", 14, "e", 25, "g", 13);
        Map<String, Integer> second = counts("a", 22, "b", 20, "c", 25, "d", 12, "e", 13, "f", 15);
        double simple = Distances.categoricalLinf(first, second);
        assertThat(Distances.robust(simple, 304, 107, Distances.cAlpha(0.003)))
                .isCloseTo(0.2726338046550349, within(1e-12));
        assertThat(Distances.robust(simple, 304, 107, Distances.cAlpha(0.1)))
                .isCloseTo(0.33774199396969184, within(1e-12));
        // the default factor is Deequ's rounded 1.8
        assertThat(Distances.robust(simple, 304, 107))
                .isCloseTo(simple - 1.8 * Math.sqrt((304.0 + 107) / (304.0 * 107)), within(1e-15));
    }

    @Test
    void chiSquaredIsDeequsAfterItsRegrouping() {
        // Deequ's vectors: sample first, expected (the baseline) second
        Distances.ChiSquaredTest first = Distances.chiSquared(
                counts("a", 223, "b", 20, "c", 25, "d", 12, "e", 13, "f", 15),
                counts("a", 207, "b", 20, "c", 25, "d", 14, "e", 25, "g", 13));
        assertThat(first.pValue()).isCloseTo(3.3640191298478506E-5, within(1e-15));
        assertThat(first.statistic()).isCloseTo(28.175042782458068, within(1e-9));
        assertThat(Distances.chiSquared(
                                counts("a", 223, "b", 20, "c", 25, "d", 12, "e", 13),
                                counts("a", 207, "b", 20, "c", 25, "d", 14, "e", 25))
                        .pValue())
                .isCloseTo(0.013227994814265176, within(1e-14));
        // Expected counts of 1 and 2 out of 100: d is folded into c (3, still below 5), then c into b; the two left
        // (60 and 40) pass Cochran's rule
        Distances.ChiSquaredTest folded = Distances.chiSquared(
                counts("a", 60, "b", 37, "c", 2, "d", 1), counts("a", 55, "b", 40, "c", 4, "d", 1));
        assertThat(folded.degreesOfFreedom()).isEqualTo(1);
        assertThat(folded.statistic()).isCloseTo(Math.pow(55 - 60, 2) / 60 + Math.pow(45 - 40, 2) / 40, within(1e-12));
        // with 4 % expected in c and d, one small cell of four is allowed (floor(0.2·4) = 0 is not: both fold)
        assertThat(Distances.chiSquared(
                                counts("a", 50, "b", 30, "c", 12, "d", 8), counts("a", 55, "b", 25, "c", 12, "d", 8))
                        .degreesOfFreedom())
                .isEqualTo(3);
        assertThat(Distances.chiSquared(counts("a", 1), counts("a", 5)).pValue())
                .isNaN();
    }

    @Test
    void agreeWithScipyOnTheSameSamples() throws Exception {
        Random random = new Random(20261130);
        List<double[][]> pairs = new ArrayList<>();
        pairs.add(
                new double[][] {sample(2000, () -> random.nextGaussian()), sample(1500, () -> random.nextGaussian())});
        pairs.add(new double[][] {
            sample(2000, () -> random.nextGaussian()), sample(3000, () -> random.nextGaussian() + 0.3)
        });
        pairs.add(new double[][] {
            sample(5000, () -> Math.exp(random.nextGaussian())),
            sample(800, () -> Math.exp(random.nextGaussian() * 1.3))
        });
        pairs.add(new double[][] {sample(1000, () -> random.nextDouble()), sample(1000, () -> random.nextDouble() * 1.2)
        });
        // integers: many ties
        pairs.add(new double[][] {sample(4000, () -> random.nextInt(10)), sample(3000, () -> random.nextInt(12))});
        pairs.add(new double[][] {sample(50, () -> random.nextGaussian()), sample(40, () -> random.nextGaussian() + 1)
        });

        double[][] psiPairs = {{120, 80, 40, 0, 10}, {100, 90, 50, 5, 0}};
        double[][] jsPairs = {{5, 3, 0, 2}, {1, 6, 2, 1}};
        ObjectNode request = JSON.createObjectNode();
        ArrayNode ks = request.putArray("ks");
        for (double[][] pair : pairs) {
            ArrayNode entry = ks.addArray();
            entry.add(JSON.valueToTree(pair[0]));
            entry.add(JSON.valueToTree(pair[1]));
        }
        request.putArray("psi").addArray().add(JSON.valueToTree(psiPairs[0])).add(JSON.valueToTree(psiPairs[1]));
        request.putArray("js").addArray().add(JSON.valueToTree(jsPairs[0])).add(JSON.valueToTree(jsPairs[1]));
        request.putArray("chi2")
                .addArray()
                .add(JSON.valueToTree(new double[] {130, 70, 45, 55}))
                .add(JSON.valueToTree(new double[] {100, 80, 50, 70}));
        JsonNode scipy = JSON.readTree(PythonScript.run("monitor_reference.py", JSON.writeValueAsString(request)));

        for (int i = 0; i < pairs.size(); i++) {
            double reference = scipy.get("ks").get(i).asDouble();
            WeightedValues a = WeightedValues.ofSample(pairs.get(i)[0]);
            WeightedValues b = WeightedValues.ofSample(pairs.get(i)[1]);
            // exact on the samples themselves
            assertThat(WeightedValues.linfDistance(a, b))
                    .as("pair %d, exact", i)
                    .isCloseTo(reference, within(1e-12));
            // through the sketches a window keeps: within their documented rank error (both sides sketched)
            KllDoublesSketch left = sketch(pairs.get(i)[0]);
            KllDoublesSketch right = sketch(pairs.get(i)[1]);
            double bound = 2 * KllDoublesSketch.getNormalizedRankError(200, false);
            assertThat(WeightedValues.linfDistance(WeightedValues.of(left), WeightedValues.of(right)))
                    .as("pair %d, sketched", i)
                    .isCloseTo(reference, within(bound));
        }
        assertThat(Distances.psi(psiPairs[0], psiPairs[1]))
                .isCloseTo(scipy.get("psi").get(0).asDouble(), within(1e-12));
        assertThat(Distances.jensenShannon(jsPairs[0], jsPairs[1]))
                .isCloseTo(scipy.get("js").get(0).asDouble(), within(1e-12));
        Distances.ChiSquaredTest test = Distances.chiSquared(
                counts("a", 100, "b", 80, "c", 50, "d", 70), counts("a", 130, "b", 70, "c", 45, "d", 55));
        assertThat(test.statistic()).isCloseTo(scipy.get("chi2").get(0).get(0).asDouble(), within(1e-9));
        assertThat(test.pValue()).isCloseTo(scipy.get("chi2").get(0).get(1).asDouble(), within(1e-12));
    }

    @Test
    void chiSquaredTailMatchesKnownValues() {
        // chi2.sf from tables: df 1 at 3.841458820694124 is 0.05; df 10 at 23.209251158954356 is 0.01
        assertThat(ChiSquaredDistribution.survival(3.841458820694124, 1)).isCloseTo(0.05, within(1e-12));
        assertThat(ChiSquaredDistribution.survival(23.209251158954356, 10)).isCloseTo(0.01, within(1e-12));
        assertThat(ChiSquaredDistribution.survival(0, 3)).isEqualTo(1.0);
        assertThat(ChiSquaredDistribution.survival(500, 4)).isLessThan(1e-100);
    }

    @Test
    void identicalDistributionsAreZeroApart() {
        double[] bucket = {3, 5, 0, 2};
        assertThat(Distances.psi(bucket, bucket)).isZero();
        assertThat(Distances.jensenShannon(bucket, bucket)).isZero();
        assertThat(Distances.jensenShannon(new double[] {1, 0}, new double[] {0, 1}))
                .isCloseTo(1.0, within(1e-12));
        assertThat(Distances.psi(new double[] {0, 0}, bucket)).isNaN();
    }

    private static KllDoublesSketch sketch(double[] values) {
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(200);
        for (double value : values) {
            sketch.update(value);
        }
        return sketch;
    }

    private static double[] sample(int n, Supplier<Number> next) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = next.get().doubleValue();
        }
        return values;
    }

    static Map<String, Integer> counts(Object... pairs) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            counts.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return counts;
    }
}
