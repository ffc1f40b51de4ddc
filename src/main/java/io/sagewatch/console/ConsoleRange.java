package io.sagewatch.console;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import io.sagewatch.rollups.RollupLevel;

/**
 * The spans the overview shows. Each is read at two levels: its charts a point per minute (the hour) or per hour (the
 * day, the week); its per-endpoint totals from the coarsest level that tiles it exactly (the week is seven whole days,
 * today's included, so that its totals are eight day items per replica rather than 168 hour items).
 */
public enum ConsoleRange {
    HOUR(RollupLevel.MINUTE, RollupLevel.MINUTE, RollupLevel.MINUTE, 60),
    DAY(RollupLevel.HOUR, RollupLevel.HOUR, RollupLevel.HOUR, 24),
    WEEK(RollupLevel.HOUR, RollupLevel.DAY, RollupLevel.DAY, 7);

    private final RollupLevel chartLevel;
    private final RollupLevel totalsLevel;
    /** The range is this many spans of this level, ending with the one that holds now. */
    private final RollupLevel alignment;

    private final int spans;

    ConsoleRange(RollupLevel chartLevel, RollupLevel totalsLevel, RollupLevel alignment, int spans) {
        this.chartLevel = chartLevel;
        this.totalsLevel = totalsLevel;
        this.alignment = alignment;
        this.spans = spans;
    }

    /** The level of the charts' points. */
    public RollupLevel level() {
        return chartLevel;
    }

    /** The level the per-endpoint totals are read at. */
    public RollupLevel totalsLevel() {
        return totalsLevel;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The first instant shown. */
    public Instant from(Instant now) {
        return alignment.start(now).minus(length().minus(alignment.length()));
    }

    public Instant until(Instant now) {
        return alignment.start(now).plus(alignment.length());
    }

    private Duration length() {
        return alignment.length().multipliedBy(spans);
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
