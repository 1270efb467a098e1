package dev.socketserver.node;

import java.time.Duration;

/**
 * Node tuning, already validated by the configuration layer.
 *
 * @param clientQueueMaxBytes per-connection outbound bound; over it a client is closed as a slow consumer
 * @param pingInterval        how often the server pings every client
 * @param pongTimeout         how long after a ping a silent client is closed
 * @param maxRoomsPerClient   rooms one connection may be in
 * @param maxConnections      connections this node accepts
 * @param maxConnectionsPerUser connections one user may hold on this node
 */
public record NodeOptions(long clientQueueMaxBytes, Duration pingInterval, Duration pongTimeout,
                          int maxRoomsPerClient, int maxConnections, int maxConnectionsPerUser) {

    public static NodeOptions defaults() {
        return new NodeOptions(1 << 20, Duration.ofSeconds(25), Duration.ofSeconds(10), 128, 100_000, 100);
    }
}
