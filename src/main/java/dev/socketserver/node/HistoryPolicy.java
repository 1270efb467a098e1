package dev.socketserver.node;

import dev.socketserver.broker.PublishOptions;
import dev.socketserver.message.Target;
import java.time.Duration;
import java.util.List;

/**
 * How much history each stream keeps: {@code HISTORY_SIZE}/{@code HISTORY_TTL} for every stream,
 * with per-room-pattern overrides ({@code HISTORY_ROOMS}, first match wins).
 */
public record HistoryPolicy(int size, Duration ttl, List<RoomOverride> rooms, Duration idempotencyWindow) {

    /** History for rooms whose name matches {@code pattern} (a {@code *} glob). */
    public record RoomOverride(String pattern, int size, Duration ttl) {
    }

    public HistoryPolicy {
        rooms = List.copyOf(rooms);
    }

    public static HistoryPolicy defaults() {
        return new HistoryPolicy(100, Duration.ofMinutes(5), List.of(), Duration.ofMinutes(5));
    }

    PublishOptions optionsFor(Target target, String idempotencyKey) {
        int n = size;
        Duration t = ttl;
        if (target instanceof Target.Room r) {
            for (RoomOverride o : rooms) {
                if (RoomGrants.matches(o.pattern(), r.name())) {
                    n = o.size();
                    t = o.ttl();
                    break;
                }
            }
        }
        return new PublishOptions(n, t, idempotencyKey, idempotencyWindow);
    }

    /** Publications {@code target}'s stream retains (0: none). */
    int sizeFor(Target target) {
        PublishOptions o = optionsFor(target, null);
        return o.keepsHistory() ? o.historySize() : 0;
    }

    boolean keepsHistory(Target target) {
        return optionsFor(target, null).keepsHistory();
    }
}
