package dev.socketserver.node;

import dev.socketserver.broker.PublishOptions;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.message.Target;

/**
 * How much history each stream keeps: the configured size and TTL for every stream, with the
 * per-room-pattern overrides (first match wins).
 */
final class HistoryPolicy {
    private final HistorySettings settings;

    HistoryPolicy(HistorySettings settings) {
        this.settings = settings;
    }

    PublishOptions optionsFor(Target target, String idempotencyKey) {
        int size = settings.size();
        java.time.Duration ttl = settings.ttl();
        if (target instanceof Target.Room room) {
            for (HistorySettings.RoomOverride o : settings.rooms()) {
                if (RoomGrants.matches(o.pattern(), room.name())) {
                    size = o.size();
                    ttl = o.ttl();
                    break;
                }
            }
        }
        return new PublishOptions(size, ttl, idempotencyKey, settings.idempotencyWindow());
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
