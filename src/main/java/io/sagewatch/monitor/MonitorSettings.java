package io.sagewatch.monitor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.monitor.features.CsvRows;
import io.sagewatch.monitor.features.JsonRows;
import io.sagewatch.monitor.features.LlmFeatures;
import io.sagewatch.monitor.features.PayloadFeatures;
import io.sagewatch.monitor.features.PayloadFormat;
import io.sagewatch.monitor.features.RowExtractor;
import io.sagewatch.monitor.features.SampleFeatures;
import io.sagewatch.monitor.format.Baseline;
import io.sagewatch.monitor.format.FeatureStatistics;

/** One monitored endpoint's settings, resolved once from configuration. */
public record MonitorSettings(
        String endpoint,
        Duration window,
        long minSamples,
        double sampleRate,
        int maxSamplesPerSecond,
        boolean bucketDistances,
        String scheduleName,
        Optional<Duration> learnBaselineFor,
        boolean llm,
        String refusalPattern,
        SagewatchConfig.MonitoredPayload input,
        SagewatchConfig.MonitoredPayload output) {

    static MonitorSettings of(String endpoint, SagewatchConfig.EndpointMonitor monitor) {
        return new MonitorSettings(
                endpoint,
                monitor.window(),
                monitor.minSamples(),
                monitor.sampleRate(),
                monitor.maxSamplesPerSecond(),
                monitor.bucketDistances(),
                monitor.scheduleName().orElse(endpoint),
                monitor.learnBaselineFor(),
                monitor.preset().filter("llm"::equals).isPresent(),
                monitor.refusalPattern().orElse(LlmFeatures.DEFAULT_REFUSAL_PATTERN),
                monitor.input(),
                monitor.output());
    }

    /** The start of the window an instant falls in: windows are aligned to the epoch, so every replica agrees. */
    public Instant windowStart(Instant at) {
        long length = window.toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(at.toEpochMilli(), length) * length);
    }

    /** The input is read unless only the output is configured (a model whose input is text or images, say). */
    boolean readsInput() {
        return input.columns().isPresent()
                || !input.features().isEmpty()
                || input.recordsPointer().isPresent()
                || !readsOutput();
    }

    /** Whether the endpoint's output is read for features. */
    boolean readsOutput() {
        return output.columns().isPresent() || !output.features().isEmpty();
    }

    /** How samples become rows of features, for the given baseline (its feature order names unnamed CSV columns). */
    SampleFeatures features(Baseline baseline) {
        if (llm) {
            return new LlmFeatures(refusalPattern);
        }
        List<String> outputColumns = output.columns().orElse(List.of());
        List<String> inputColumns = input.columns().orElseGet(() -> {
            List<String> names = new ArrayList<>();
            if (baseline != null) {
                for (FeatureStatistics feature : baseline.statistics().features()) {
                    if (!outputColumns.contains(feature.name())
                            && !output.features().containsKey(feature.name())) {
                        names.add(feature.name());
                    }
                }
            }
            return names;
        });
        Map<PayloadFormat, RowExtractor> in = readsInput() ? extractors(inputColumns, input, true) : Map.of();
        Map<PayloadFormat, RowExtractor> out = readsOutput() ? extractors(outputColumns, output, false) : Map.of();
        return new PayloadFeatures(in, out);
    }

    /**
     * The rows of a dataset file: each row holds the input's features, then the output's (CSV: input columns, then
     * output columns; JSON: both sides' pointers within each record).
     */
    RowExtractor datasetRows(PayloadFormat format) {
        if (format == PayloadFormat.CSV) {
            if (!readsInput()) {
                return new CsvRows(output.columns().orElse(List.of())); // only the output is monitored
            }
            if (input.columns().isEmpty() && output.columns().isPresent()) {
                throw new io.sagewatch.monitor.features.UnreadablePayloadException("a CSV dataset holds the input's"
                        + " columns, then the output's: name the input's (sagewatch.endpoint." + endpoint
                        + ".monitor.input.columns) so that the output's can be found");
            }
            List<String> columns = new ArrayList<>(input.columns().orElse(List.of()));
            columns.addAll(output.columns().orElse(List.of()));
            return columns.isEmpty() ? new UnnamedCsvRows() : new CsvRows(columns);
        }
        Map<String, String> pointers = new LinkedHashMap<>(input.features());
        pointers.putAll(output.features());
        return new JsonRows(pointers, input.recordsPointer().orElse(null), format == PayloadFormat.JSON_LINES);
    }

    private static Map<PayloadFormat, RowExtractor> extractors(
            List<String> columns, SagewatchConfig.MonitoredPayload payload, boolean input) {
        Map<PayloadFormat, RowExtractor> extractors = new LinkedHashMap<>();
        if (!columns.isEmpty()) {
            extractors.put(PayloadFormat.CSV, new CsvRows(columns));
        } else if (input) {
            extractors.put(PayloadFormat.CSV, new UnnamedCsvRows());
        }
        String records = payload.recordsPointer().orElse(null);
        extractors.put(PayloadFormat.JSON, new JsonRows(payload.features(), records, false));
        extractors.put(PayloadFormat.JSON_LINES, new JsonRows(payload.features(), null, true));
        return extractors;
    }
}
