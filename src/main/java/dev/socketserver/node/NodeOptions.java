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
 * @param writerThreads       threads that write to sockets; {@code 0}: one per processor, at least 2
 * @param publishBacklogBytes outbound bytes queued for reading clients above which publishers'
 *                            replies are held back (see {@link dev.socketserver.hub.Backlog})
 * @param presenceTtl         how long this node's presence entries live without a refresh; the
 *                            node refreshes them three times per TTL
 */
public record NodeOptions(long clientQueueMaxBytes, Duration pingInterval, Duration pongTimeout,
                          int maxRoomsPerClient, int maxConnections, int maxConnectionsPerUser,
                          int writerThreads, long publishBacklogBytes, Duration presenceTtl) {

    public static final Duration DEFAULT_PRESENCE_TTL = Duration.ofSeconds(60);

    /** The options with the default presence TTL. */
    public NodeOptions(long clientQueueMaxBytes, Duration pingInterval, Duration pongTimeout,
                       int maxRoomsPerClient, int maxConnections, int maxConnectionsPerUser,
                       int writerThreads, long publishBacklogBytes) {
        this(clientQueueMaxBytes, pingInterval, pongTimeout, maxRoomsPerClient, maxConnections, maxConnectionsPerUser,
                writerThreads, publishBacklogBytes, DEFAULT_PRESENCE_TTL);
    }

    public static NodeOptions defaults() {
        return new NodeOptions(1 << 20, Duration.ofSeconds(25), Duration.ofSeconds(10), 128, 100_000, 100,
                0, 8L << 20);
    }
}
