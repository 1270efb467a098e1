package dev.socketserver.presence;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Who is in which room, across every node that shares the implementation.
 *
 * <p>Contract:
 * <ul>
 *   <li>Thread-safe; {@link #add} and {@link #remove} are idempotent per (room, clientId).</li>
 *   <li>Calls for one client take effect in the order they are made (the node makes them under
 *   the client's monitor, so an add can never overtake the remove that follows it).</li>
 *   <li>Entries carry the node they are on ({@link ClientInfo#nodeId}) and live while that node
 *   is alive: each node calls {@link #refresh} more often than the TTL, and when a node stops
 *   (dies without saying goodbye) its entries vanish from {@link #presence} and {@link #stats}
 *   once the TTL has passed since its last refresh. One refresh per node keeps all of its
 *   entries, instead of one per entry. A node that says goodbye ({@link #removeNode}) takes
 *   its entries with it at once.</li>
 *   <li>After {@link #remove} completes the client is absent from {@link #presence} and
 *   {@link #stats} on every node.</li>
 *   <li>Bounded by its input: one entry per (connection, room), each node's connections and
 *   rooms per connection being bounded; a dead node's entries are dropped once found expired.</li>
 * </ul>
 */
public interface PresenceManager extends AutoCloseable {

    CompletionStage<Void> add(String room, ClientInfo client);

    CompletionStage<Void> remove(String room, String clientId);

    /**
     * {@code nodeId} is alive: its entries live another TTL. Completes with false when the node
     * was not alive any more (it was not refreshed within the TTL, or never): its earlier
     * entries are gone, and the node must add its connections' entries again.
     */
    CompletionStage<Boolean> refresh(String nodeId);

    /** {@code nodeId} leaves: every entry of it goes now. */
    CompletionStage<Void> removeNode(String nodeId);

    /** Clients present in the room, by client id; only those of live nodes. */
    CompletionStage<Map<String, ClientInfo>> presence(String room);

    CompletionStage<PresenceStats> stats(String room);

    /** Releases this node's resources; shared state (entries of other nodes) stays. */
    @Override
    void close();
}
