package dev.socketserver.transport.websocket;

import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code MAX_CONNECTIONS_PER_USER}, held exactly: a handshake takes one of its user's slots
 * atomically before the upgrade and the connection gives it back when it closes (or the
 * handshake when it fails), so concurrent handshakes of one user cannot all pass a check that
 * counts only open connections. A user holding no slot has no entry.
 */
final class UserSlots {
    private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();
    private final int perUser;

    UserSlots(int perUser) {
        this.perUser = perUser;
    }

    /** Takes a slot of {@code userId}; false if it already holds all of them. */
    boolean tryTake(String userId) {
        boolean[] taken = new boolean[1];
        held.compute(userId, (user, n) -> {
            int count = n == null ? 0 : n;
            if (count >= perUser) {
                return n;
            }
            taken[0] = true;
            return count + 1;
        });
        return taken[0];
    }

    /** Gives back a slot taken by {@link #tryTake}; call once per slot. */
    void release(String userId) {
        held.computeIfPresent(userId, (user, n) -> n <= 1 ? null : n - 1);
    }

    /** Slots {@code userId} holds: pending handshakes and open connections. */
    int held(String userId) {
        return held.getOrDefault(userId, 0);
    }
}
