package dev.socketserver.node;

import java.time.Duration;

/**
 * A snapshot for operators: {@code nodeId} and {@code uptime} of the node asked; the counts are
 * summed over every node sharing the broker (a user or room on two nodes counts twice).
 */
public record NodeInfo(String nodeId, Duration uptime, int clients, int users, int rooms,
                       long publications, long deliveries) {
}
