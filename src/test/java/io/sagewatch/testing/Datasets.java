package io.sagewatch.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import io.sagewatch.monitor.features.CsvRows;
import io.sagewatch.monitor.window.WindowAccumulator;

/** Seeded CSV datasets for the monitor's tests: an integer age, a log-normal income, a colour of three. */
public final class Datasets {

    public static final List<String> COLUMNS = List.of("age", "income", "color");
    private static final CsvRows ROWS = new CsvRows(COLUMNS);

    private Datasets() {}

    /** Rows of: age ~ N(45 + ageShift, 10) rounded (never below 0), income ~ e^N(10, 1) (one in 50 empty), colour 50/30/20 %. */
    public static String csv(int rows, long seed, double ageShift) {
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder();
        String[] colors = {"red", "red", "red", "red", "red", "blue", "blue", "blue", "green", "green"};
        for (int i = 0; i < rows; i++) {
            long age = Math.max(0, Math.round(45 + ageShift + 10 * random.nextGaussian()));
            String income = random.nextInt(50) == 0 ? "" : Double.toString(Math.exp(10 + random.nextGaussian()));
            csv.append(age)
                    .append(',')
                    .append(income)
                    .append(',')
                    .append(colors[random.nextInt(colors.length)])
                    .append('\n');
        }
        return csv.toString();
    }

    public static WindowAccumulator accumulate(int kllK, String csv) {
        WindowAccumulator window = new WindowAccumulator(kllK);
        ROWS.extract(csv.getBytes(StandardCharsets.UTF_8), window);
        return window;
    }

    /** One column's values, NaN where the cell is empty. */
    public static double[] column(String csv, int column) {
        return csv.lines()
                .mapToDouble(line -> {
                    String cell = line.split(",", -1)[column];
                    return cell.isEmpty() ? Double.NaN : Double.parseDouble(cell);
                })
                .toArray();
    }

    public static double[] present(double[] values) {
        return Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
    }
}
