package dev.socketserver.node;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * A snapshot for operators: {@code nodeId} and {@code uptime} of the node asked, totals for
 * every node sharing the broker, and each node's own figures.
 *
 * <p>Totals: {@code clients}, {@code publications} and {@code deliveries} are sums (a
 * connection lives on one node; each node counts the publications accepted through it and the
 * frames it queued). {@code rooms} counts distinct room names, so a room with members on two
 * nodes counts once. {@code users} is the sum of each node's distinct users: a user with
 * connections on two nodes counts on both (counting them once would mean shipping every user
 * id to the node asked).
 *
 * @param nodes one entry per node that answered, ordered by node id
 */
public record NodeInfo(String nodeId, Duration uptime, int clients, int users, int rooms,
                       long publications, long deliveries, List<Member> nodes) {

    public NodeInfo {
        nodes = nodes.stream().sorted(Comparator.comparing(Member::nodeId)).toList();
    }

    /** One node's own figures. */
    public record Member(String nodeId, Duration uptime, int clients, int users, int rooms, long publications,
                         long deliveries) {
    }
}
