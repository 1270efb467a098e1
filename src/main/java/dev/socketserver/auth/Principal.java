package dev.socketserver.auth;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An authenticated connection owner.
 *
 * @param userId    the token's {@code sub}; private notifications to it reach every connection
 * @param expiresAt the token's {@code exp}, or {@code null} if it never expires
 * @param rooms     the token's {@code rooms} claim (exact names or {@code *} globs); empty if absent
 */
public record Principal(String userId, Instant expiresAt, List<String> rooms) {
    public Principal {
        Objects.requireNonNull(userId, "userId");
        rooms = List.copyOf(rooms);
    }
}
