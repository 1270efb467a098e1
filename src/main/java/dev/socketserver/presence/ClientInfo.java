package dev.socketserver.presence;

import java.util.Objects;

/** One connection present in a room. */
public record ClientInfo(String clientId, String userId) {
    public ClientInfo {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(userId, "userId");
    }
}
