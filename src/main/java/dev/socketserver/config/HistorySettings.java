package dev.socketserver.config;

import java.time.Duration;
import java.util.List;

/**
 * How streams keep history and idempotency keys, as configured, and the bounds of that state.
 *
 * @param size              {@code HISTORY_SIZE}: publications each stream keeps (0: none)
 * @param ttl               {@code HISTORY_TTL}: how long each kept publication lives (0: none)
 * @param rooms             {@code HISTORY_ROOMS}: per-room-pattern overrides, first match wins
 * @param idempotencyWindow {@code IDEMPOTENCY_WINDOW}: how long {@code Publish} keys are remembered
 * @param maxStreams        {@code HISTORY_MAX_STREAMS}: streams that keep state at once
 * @param metaTtl           {@code HISTORY_META_TTL}: how long a stream's position (epoch, last
 *                          offset) is kept after its last publication
 * @param maxKeys           {@code IDEMPOTENCY_MAX_KEYS}: idempotency keys remembered over all streams
 */
public record HistorySettings(int size, Duration ttl, List<RoomOverride> rooms, Duration idempotencyWindow,
                              int maxStreams, Duration metaTtl, int maxKeys) {

    /** History for rooms whose name matches {@code pattern} (a {@code *} glob). */
    public record RoomOverride(String pattern, int size, Duration ttl) {
    }

    public static final int DEFAULT_MAX_STREAMS = 100_000;
    public static final Duration DEFAULT_META_TTL = Duration.ofHours(24);
    public static final int DEFAULT_MAX_KEYS = 100_000;

    public HistorySettings {
        rooms = List.copyOf(rooms);
    }

    /** The given history with the default bounds. */
    public HistorySettings(int size, Duration ttl, List<RoomOverride> rooms, Duration idempotencyWindow) {
        this(size, ttl, rooms, idempotencyWindow, DEFAULT_MAX_STREAMS, DEFAULT_META_TTL, DEFAULT_MAX_KEYS);
    }

    public static HistorySettings defaults() {
        return new HistorySettings(100, Duration.ofMinutes(5), List.of(), Duration.ofMinutes(5));
    }
}
