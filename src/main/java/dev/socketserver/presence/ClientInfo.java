package dev.socketserver.presence;

import java.util.Objects;

/**
 * One connection present in a room.
 *
 * @param nodeId the node the connection is on: its entries live while that node refreshes
 */
public record ClientInfo(String clientId, String userId, String nodeId) {
    public ClientInfo {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(nodeId, "nodeId");
    }
}
