package dev.socketserver.presence;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Who is in which room, across every node that shares the implementation.
 *
 * <p>Contract: thread-safe; {@link #add} and {@link #remove} are idempotent per
 * (room, clientId); calls for one client take effect in the order they are made (the node
 * makes them under the client's monitor, so an add can never overtake the remove that follows
 * it); after {@link #remove} completes the client is absent from {@link #presence} and
 * {@link #stats} on every node (eventually, for distributed implementations, within their
 * documented expiry). Implementations that can lose a node (Redis) expire entries that the
 * owning node stops refreshing; the memory implementation has no expiry because its node is
 * the only one.
 */
public interface PresenceManager extends AutoCloseable {

    CompletionStage<Void> add(String room, ClientInfo client);

    CompletionStage<Void> remove(String room, String clientId);

    /** Clients present in the room, by client id. */
    CompletionStage<Map<String, ClientInfo>> presence(String room);

    CompletionStage<PresenceStats> stats(String room);

    @Override
    void close();
}
