package io.sagewatch.rollups;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

import io.sagewatch.config.SagewatchConfig;

/**
 * The spans rollups are kept at: a minute for the last hour, an hour for the last day and week, a day beyond. Each
 * level's items are written as the inferences settle (not derived from the finer level later), so that a page reads
 * one level only.
 */
public enum RollupLevel {
    MINUTE(ChronoUnit.MINUTES, "yyyy-MM-dd'T'HH:mm"),
    HOUR(ChronoUnit.HOURS, "yyyy-MM-dd'T'HH"),
    DAY(ChronoUnit.DAYS, "yyyy-MM-dd");

    private final ChronoUnit unit;
    private final DateTimeFormatter format;

    RollupLevel(ChronoUnit unit, String pattern) {
        this.unit = unit;
        this.format = DateTimeFormatter.ofPattern(pattern).withZone(ZoneOffset.UTC);
    }

    public Instant start(Instant at) {
        return at.truncatedTo(unit);
    }

    public Duration length() {
        return unit.getDuration();
    }

    /** The span's start as the sort key spells it: fixed width, so that string order is time order. */
    public String key(Instant start) {
        return format.format(start);
    }

    public Instant parse(String key) {
        return switch (this) {
            case MINUTE -> Instant.parse(key + ":00Z");
            case HOUR -> Instant.parse(key + ":00:00Z");
            case DAY -> Instant.parse(key + "T00:00:00Z");
        };
    }

    Duration retention(SagewatchConfig.Rollups config) {
        return switch (this) {
            case MINUTE -> config.minuteRetention();
            case HOUR -> config.hourRetention();
            case DAY -> config.dayRetention();
        };
    }
}
