package io.sagewatch.dev;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.quarkus.arc.properties.UnlessBuildProperty;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sagewatch.config.SagewatchConfig;
import io.sagewatch.metrics.InferenceMeters;
import io.sagewatch.metrics.ModelHealthMeters;
import io.vertx.core.Vertx;

/**
 * Dev mode's view of the meters without AWS: every interval with new traffic, one readable line per endpoint
 * (invocations, errors, latency percentiles, model vs overhead, tokens, cost), and for monitored endpoints the latest
 * evaluated window's violations and drift. The full set is at /q/metrics.
 */
// not in the native executables: only the JVM image's build trains, and a native gateway has no dev mode
@UnlessBuildProperty(name = "quarkus.native.enabled", stringValue = "true", enableIfMissing = true)
@ApplicationScoped
public class DevMetricsSummary {

    private static final Logger LOG = Logger.getLogger(DevMetricsSummary.class);

    private final MeterRegistry registry;
    private final Map<String, Double> lastInvocations = new HashMap<>();
    private final Map<String, String> lastModelHealth = new HashMap<>();
    private Vertx vertx;
    private long timerId = -1;

    DevMetricsSummary(MeterRegistry registry) {
        this.registry = registry;
    }

    void start(@Observes StartupEvent event, SagewatchConfig config, Vertx vertx) {
        long interval = config.dev().metricsSummaryInterval().toMillis();
        if (interval > 0) {
            this.vertx = vertx;
            timerId = vertx.setPeriodic(interval, id -> summary().forEach(LOG::info));
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** One line per endpoint that saw traffic since the previous summary. */
    public synchronized List<String> summary() {
        MeterRegistry readable = readable();
        Map<String, List<String>> lines = new TreeMap<>();
        for (Counter invocations : readable.find(InferenceMeters.INVOCATIONS).counters()) {
            String endpoint = invocations.getId().getTag("endpoint");
            String variant = invocations.getId().getTag("variant");
            String key = endpoint + "/" + variant;
            double total = invocations.count();
            Double last = lastInvocations.put(key, total);
            if (last != null && last == total || total == 0) {
                continue;
            }
            Timer latency = timer(readable, InferenceMeters.LATENCY, endpoint, variant);
            Timer model = timer(readable, InferenceMeters.MODEL_LATENCY, endpoint, variant);
            Timer overhead = timer(readable, InferenceMeters.OVERHEAD_LATENCY, endpoint, variant);
            HistogramSnapshot snapshot = latency == null ? null : latency.takeSnapshot();
            lines.computeIfAbsent(endpoint, e -> new ArrayList<>())
                    .add(String.format(
                                    Locale.ROOT,
                                    "%s (%s): %.0f invocations, %.0f 4xx, %.0f 5xx, %.0f throttled; latency p50 %s p99 %s, mean %.1f ms"
                                            + " (model %.1f + gateway %.1f); tokens in/out %.0f/%.0f; est. cost $%.4f",
                                    endpoint,
                                    variant,
                                    total,
                                    count(readable, InferenceMeters.ERRORS_4XX, endpoint, variant),
                                    count(readable, InferenceMeters.ERRORS_5XX, endpoint, variant),
                                    count(readable, InferenceMeters.THROTTLES, endpoint, variant),
                                    percentile(snapshot, 0.5),
                                    percentile(snapshot, 0.99),
                                    mean(latency),
                                    mean(model),
                                    mean(overhead),
                                    count(readable, InferenceMeters.INPUT_TOKENS, endpoint, variant),
                                    count(readable, InferenceMeters.OUTPUT_TOKENS, endpoint, variant),
                                    count(readable, InferenceMeters.ESTIMATED_COST, endpoint, variant))
                            + streams(readable, endpoint, variant));
        }
        modelHealth(readable, lines);
        List<String> result = new ArrayList<>();
        lines.values().forEach(endpointLines -> endpointLines.stream().sorted().forEach(result::add));
        return result;
    }

    /** For monitored endpoints whose latest evaluated window changed: its violations and drift per feature. */
    private void modelHealth(MeterRegistry readable, Map<String, List<String>> lines) {
        Map<String, Map<String, Double>> drift = new TreeMap<>();
        for (Gauge gauge : readable.find(ModelHealthMeters.LATEST_DRIFT).gauges()) {
            drift.computeIfAbsent(gauge.getId().getTag("endpoint"), e -> new TreeMap<>())
                    .put(gauge.getId().getTag("feature"), gauge.value());
        }
        for (Gauge violations :
                readable.find(ModelHealthMeters.LATEST_VIOLATIONS).gauges()) {
            String endpoint = violations.getId().getTag("endpoint");
            double count = violations.value();
            StringBuilder line = new StringBuilder(
                    Double.isNaN(count)
                            ? endpoint + " model health (latest window): not evaluated (no baseline, or fewer rows than"
                                    + " min-samples)"
                            : String.format(
                                    Locale.ROOT, "%s model health (latest window): %.0f violations", endpoint, count));
            Map<String, Double> features = drift.getOrDefault(endpoint, Map.of());
            if (!features.isEmpty()) {
                line.append("; drift");
                features.forEach(
                        (feature, value) -> line.append(String.format(Locale.ROOT, " %s %.3f", feature, value)));
            }
            String text = line.toString();
            if (!text.equals(lastModelHealth.put(endpoint, text))) {
                lines.computeIfAbsent(endpoint, e -> new ArrayList<>()).add(text);
            }
        }
    }

    /** For endpoints that streamed: time to first token and the gap between tokens. */
    private static String streams(MeterRegistry registry, String endpoint, String variant) {
        Timer ttft = timer(registry, InferenceMeters.TIME_TO_FIRST_TOKEN, endpoint, variant);
        if (ttft == null || ttft.count() == 0) {
            return "";
        }
        HistogramSnapshot first = ttft.takeSnapshot();
        Timer gaps = timer(registry, InferenceMeters.INTER_TOKEN_LATENCY, endpoint, variant);
        HistogramSnapshot between = gaps == null ? null : gaps.takeSnapshot();
        Timer added = timer(registry, InferenceMeters.ADDED_TIME_TO_FIRST_TOKEN, endpoint, variant);
        return String.format(
                Locale.ROOT,
                "; streams %d, time to first token p50 %s p99 %s (gateway's share mean %.2f"
                        + " ms), between tokens p50 %s p99 %s",
                ttft.count(),
                percentile(first, 0.5),
                percentile(first, 0.99),
                mean(added),
                percentile(between, 0.5),
                percentile(between, 0.99));
    }

    /**
     * The registry to read values from. A composite reads its first child, which may be a sink that denies every meter
     * (a disabled EMF or CloudWatch registry): read the first child that keeps Sagewatch's meters with histograms.
     */
    private MeterRegistry readable() {
        if (registry instanceof CompositeMeterRegistry composite) {
            for (MeterRegistry child : composite.getRegistries()) {
                Timer latency = child.find(InferenceMeters.LATENCY).timer();
                if (latency != null && latency.takeSnapshot().histogramCounts().length > 0) {
                    return child;
                }
            }
        }
        return registry;
    }

    private static Timer timer(MeterRegistry registry, String name, String endpoint, String variant) {
        return registry.find(name)
                .tag("endpoint", endpoint)
                .tag("variant", variant)
                .timer();
    }

    private static double count(MeterRegistry registry, String name, String endpoint, String variant) {
        Counter counter = registry.find(name)
                .tag("endpoint", endpoint)
                .tag("variant", variant)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static double mean(Timer timer) {
        return timer == null ? 0 : timer.mean(TimeUnit.MILLISECONDS);
    }

    /** From the percentile histogram: the bucket bound below which the share p of inferences fell ("≤ x ms"). */
    static String percentile(HistogramSnapshot snapshot, double p) {
        if (snapshot == null || snapshot.count() == 0 || snapshot.histogramCounts().length == 0) {
            return "-";
        }
        double wanted = p * snapshot.count();
        for (CountAtBucket bucket : snapshot.histogramCounts()) {
            if (bucket.count() >= wanted) {
                return String.format(Locale.ROOT, "≤%.1f ms", bucket.bucket(TimeUnit.MILLISECONDS));
            }
        }
        return String.format(Locale.ROOT, "≤%.1f ms", snapshot.max(TimeUnit.MILLISECONDS));
    }
}
