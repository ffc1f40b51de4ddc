package io.sagewatch.console;

import java.time.Instant;
import java.util.Locale;

import io.sagewatch.rollups.RollupLevel;

/** The spans the overview shows, each read at one rollup level: a point per minute for the hour, per hour beyond. */
public enum ConsoleRange {
    HOUR(RollupLevel.MINUTE, 60),
    DAY(RollupLevel.HOUR, 24),
    WEEK(RollupLevel.HOUR, 24 * 7);

    private final RollupLevel level;
    private final int points;

    ConsoleRange(RollupLevel level, int points) {
        this.level = level;
        this.points = points;
    }

    public RollupLevel level() {
        return level;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The first span shown, ending with the one that holds {@code now}. */
    public Instant from(Instant now) {
        return level.start(now).minus(level.length().multipliedBy(points - 1));
    }

    public Instant until(Instant now) {
        return level.start(now).plus(level.length());
    }

    public static ConsoleRange of(String id) {
        if (id == null || id.isBlank()) {
            return HOUR;
        }
        for (ConsoleRange range : values()) {
            if (range.id().equals(id)) {
                return range;
            }
        }
        throw new IllegalArgumentException("range must be hour, day or week, not " + id);
    }
}
