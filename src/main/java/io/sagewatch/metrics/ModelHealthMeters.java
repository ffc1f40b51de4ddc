package io.sagewatch.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.sagewatch.config.SagewatchConfig;

/**
 * Model health's meters. Per sample, counters like every other meter. Per evaluated window, Model Monitor's metrics
 * ({@code feature_baseline_drift_<feature>}, {@code feature_non_null_<feature>}, {@code feature_data_<feature>}) under
 * its dimensions ({@code Endpoint}, {@code MonitoringSchedule}) and nothing else, so its alarms carry over with only
 * the namespace changed; each is published once, by the replica that evaluated the window. The latest window's
 * figures are also gauges, for /q/metrics (not sent to CloudWatch twice).
 */
@ApplicationScoped
public class ModelHealthMeters {

    public static final String SAMPLES = "ModelHealthSamples";
    public static final String SAMPLES_DROPPED = "ModelHealthSamplesDropped";
    public static final String VIOLATIONS = "ModelHealthViolations";
    public static final String WINDOW_ROWS = "ModelHealthWindowRows";
    public static final String DRIFT_PREFIX = "feature_baseline_drift_";
    public static final String NON_NULL_PREFIX = "feature_non_null_";
    public static final String DATA_PREFIX = "feature_data_";
    /** Model quality: predictions kept for their ground truth, and those dropped (the worker's queue was full). */
    public static final String PREDICTIONS = "ModelQualityPredictions";

    public static final String PREDICTIONS_DROPPED = "ModelQualityPredictionsDropped";
    /** Ground-truth labels by outcome: accepted, unknown (no prediction of that id), late, rejected. */
    public static final String LABELS = "ModelQualityLabels";
    /** Rows with labels in an evaluated model-quality window. */
    public static final String QUALITY_ROWS = "ModelQualityWindowRows";
    /** Prometheus-only gauge of the latest model-quality window's metrics (tag metric). */
    public static final String LATEST_QUALITY = "ModelQualityLatest";
    /** Prometheus-only gauges of the latest window. */
    public static final String LATEST_DRIFT = "ModelHealthLatestDrift";

    public static final String LATEST_COMPLETENESS = "ModelHealthLatestCompleteness";
    public static final String LATEST_VIOLATIONS = "ModelHealthLatestViolations";

    /** Why a sample was not monitored. */
    public enum Drop {
        /** Over the endpoint's max-samples-per-second. */
        RATE_CAP,
        /** The worker's queue (count or bytes) was full. */
        QUEUE_FULL,
        /** Its payload is not in the format the endpoint's monitor reads. */
        UNREADABLE,
        /** It arrived after its window had been closed. */
        LATE;

        String tag() {
            return name().toLowerCase();
        }
    }

    /** One figure of a window, already aggregated: a single value has count 1. */
    public record Figure(String name, long count, double sum, double min, double max) {

        public static Figure single(String name, double value) {
            return new Figure(name, 1, value, value, value);
        }
    }

    private final MeterRegistry registry;
    private final String service;
    private final List<DeltaMeterRegistry> sinks = new ArrayList<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<List<Tag>, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();

    @jakarta.inject.Inject
    ModelHealthMeters(
            MeterRegistry registry,
            SagewatchConfig config,
            EmfMeterRegistry emf,
            jakarta.enterprise.inject.Instance<CloudWatchMeterRegistry> cloudWatch) {
        this(registry, config.metrics().service(), enabledSinks(config, emf, cloudWatch));
    }

    /** @param sinks the CloudWatch sinks that are on, where each window's figures are published */
    public ModelHealthMeters(MeterRegistry registry, String service, List<DeltaMeterRegistry> sinks) {
        this.registry = registry;
        this.service = service;
        this.sinks.addAll(sinks);
    }

    private static List<DeltaMeterRegistry> enabledSinks(
            SagewatchConfig config,
            EmfMeterRegistry emf,
            jakarta.enterprise.inject.Instance<CloudWatchMeterRegistry> cloudWatch) {
        List<DeltaMeterRegistry> sinks = new ArrayList<>();
        if (config.metrics().emf().enabled()) {
            sinks.add(emf);
        }
        if (config.metrics().cloudwatch().enabled() && cloudWatch.isResolvable()) {
            sinks.add(cloudWatch.get());
        }
        return sinks;
    }

    public void sampled(String endpoint) {
        counter(SAMPLES, endpoint, null).increment();
    }

    public void dropped(String endpoint, Drop reason) {
        counter(SAMPLES_DROPPED, endpoint, reason.tag()).increment();
    }

    /**
     * One evaluated window's figures, published once to every CloudWatch sink (at its next step).
     *
     * @param violationsByCheck violation counts by Model Monitor check type
     * @param evaluated false when the window was not checked (no baseline, too few rows): the latest-violations gauge
     *     then reads NaN, not 0
     */
    public void window(
            String endpoint,
            String schedule,
            long rows,
            List<Figure> figures,
            Map<String, Long> violationsByCheck,
            boolean evaluated) {
        List<Tag> dimensions = List.of(Tag.of("Endpoint", endpoint), Tag.of("MonitoringSchedule", schedule));
        // the latest window's gauges are this window's: a feature it did not measure reads NaN, not an old value
        resetGauges(endpoint, false);
        List<DeltaMeterRegistry.StatisticSet> sets = new ArrayList<>();
        sets.add(DeltaMeterRegistry.StatisticSet.single(WINDOW_ROWS, dimensions, rows));
        for (Figure figure : figures) {
            sets.add(new DeltaMeterRegistry.StatisticSet(
                    figure.name(), dimensions, figure.count(), figure.sum(), figure.min(), figure.max()));
            if (figure.name().startsWith(DRIFT_PREFIX)) {
                gauge(LATEST_DRIFT, endpoint, figure.name().substring(DRIFT_PREFIX.length()), figure.sum());
            } else if (figure.name().startsWith(NON_NULL_PREFIX)) {
                gauge(LATEST_COMPLETENESS, endpoint, figure.name().substring(NON_NULL_PREFIX.length()), figure.sum());
            }
        }
        long total = 0;
        for (Map.Entry<String, Long> check : violationsByCheck.entrySet()) {
            List<Tag> withCheck = new ArrayList<>(dimensions);
            withCheck.add(Tag.of("Check", check.getKey()));
            sets.add(DeltaMeterRegistry.StatisticSet.single(VIOLATIONS, withCheck, check.getValue()));
            total += check.getValue();
        }
        sets.add(DeltaMeterRegistry.StatisticSet.single(VIOLATIONS, dimensions, total));
        gauge(LATEST_VIOLATIONS, endpoint, null, evaluated ? total : Double.NaN);
        for (DeltaMeterRegistry sink : sinks) {
            sets.forEach(sink::publishOnce);
        }
    }

    public void predictions(String endpoint, int count) {
        counter(PREDICTIONS, endpoint, null).increment(count);
    }

    public void predictionDropped(String endpoint) {
        counter(PREDICTIONS_DROPPED, endpoint, null).increment();
    }

    /** @param outcome accepted, unknown, late or rejected */
    public void labels(String endpoint, String outcome, long count) {
        if (count > 0) {
            counter(LABELS, endpoint, outcome).increment(count);
        }
    }

    /**
     * One evaluated model-quality window's metrics, under Model Monitor's names (accuracy, f1, auc, mae, ...) with its
     * dimensions, published once to every CloudWatch sink; the latest also as gauges for /q/metrics.
     */
    public void quality(String endpoint, String schedule, long rows, Map<String, Double> metrics) {
        List<Tag> dimensions = List.of(Tag.of("Endpoint", endpoint), Tag.of("MonitoringSchedule", schedule));
        resetGauges(endpoint, true);
        List<DeltaMeterRegistry.StatisticSet> sets = new ArrayList<>();
        sets.add(DeltaMeterRegistry.StatisticSet.single(QUALITY_ROWS, dimensions, rows));
        metrics.forEach((name, value) -> {
            if (Double.isFinite(value)) {
                sets.add(DeltaMeterRegistry.StatisticSet.single(name, dimensions, value));
            }
            gauge(LATEST_QUALITY, endpoint, "metric", name, value);
        });
        for (DeltaMeterRegistry sink : sinks) {
            sets.forEach(sink::publishOnce);
        }
    }

    /** The latest window's gauges are that window's: a figure it did not measure reads NaN, not an old value. */
    private void resetGauges(String endpoint, boolean quality) {
        gauges.forEach((key, holder) -> {
            if (key.contains(Tag.of("endpoint", endpoint)) && key.contains(Tag.of("name", LATEST_QUALITY)) == quality) {
                holder.set(Double.NaN);
            }
        });
    }

    private Counter counter(String name, String endpoint, String reason) {
        return counters.computeIfAbsent(name + '\u0000' + endpoint + '\u0000' + reason, key -> {
            Tags tags = Tags.of("endpoint", endpoint, "service", service);
            return Counter.builder(name)
                    .tags(reason == null ? tags : tags.and("reason", reason))
                    .register(registry);
        });
    }

    private void gauge(String name, String endpoint, String feature, double value) {
        gauge(name, endpoint, "feature", feature, value);
    }

    private void gauge(String name, String endpoint, String tag, String feature, double value) {
        Tags tags = Tags.of("endpoint", endpoint);
        if (feature != null) {
            tags = tags.and(tag, feature);
        }
        List<Tag> key = new ArrayList<>();
        key.add(Tag.of("name", name));
        tags.forEach(key::add);
        Tags registered = tags;
        gauges.computeIfAbsent(key, k -> {
                    AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
                    Gauge.builder(name, holder, h -> h.get())
                            .tags(registered)
                            .strongReference(true)
                            .register(registry);
                    return holder;
                })
                .set(value);
    }
}
