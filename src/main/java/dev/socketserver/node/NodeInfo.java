package dev.socketserver.node;

import java.time.Duration;

/** A snapshot of one node's state, for operators. */
public record NodeInfo(String nodeId, Duration uptime, int clients, int users, int rooms,
                       long publications, long deliveries) {
}
