package io.sagewatch.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.sagewatch.config.SagewatchConfig;

/** Data Capture's meters: captures written, dropped (and why), files put to S3 and failed puts. */
@Singleton
public class DataCaptureMeters {

    public static final String CAPTURED = "DataCaptureRecords";
    public static final String DROPPED = "DataCaptureDropped";
    public static final String FILES = "DataCaptureFiles";
    public static final String WRITE_FAILURES = "DataCaptureWriteFailures";

    /** Why a capture was not written. */
    public enum Drop {
        /** Too many bytes waiting (S3 slow or failing, or traffic beyond what one writer puts). */
        BUFFER_FULL("buffer_full"),
        /** Redaction is on and the payload could not be parsed as JSON: never written unredacted. */
        UNREDACTABLE("unredactable"),
        /** Still unwritten when the gateway stopped and S3 would not take it in time. */
        SHUTDOWN("shutdown");

        private final String tag;

        Drop(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    private final MeterRegistry registry;
    private final String service;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public DataCaptureMeters(MeterRegistry registry, SagewatchConfig config) {
        this.registry = registry;
        this.service = config.metrics().service();
    }

    public void captured(String endpoint, long count) {
        counter(CAPTURED, endpoint, null).increment(count);
    }

    public void dropped(String endpoint, Drop reason, long count) {
        counter(DROPPED, endpoint, reason.tag()).increment(count);
    }

    public void fileWritten(String endpoint) {
        counter(FILES, endpoint, null).increment();
    }

    public void writeFailed(String endpoint) {
        counter(WRITE_FAILURES, endpoint, null).increment();
    }

    /** The count so far (for tests and the bench). */
    public double count(String name, String endpoint, String reason) {
        return counter(name, endpoint, reason).count();
    }

    private Counter counter(String name, String endpoint, String reason) {
        return counters.computeIfAbsent(name + '\u0000' + endpoint + '\u0000' + reason, key -> {
            Tags tags = Tags.of("endpoint", endpoint, "service", service);
            return Counter.builder(name)
                    .tags(reason == null ? tags : tags.and("reason", reason))
                    .register(registry);
        });
    }
}
