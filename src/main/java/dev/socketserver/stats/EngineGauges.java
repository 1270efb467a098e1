package dev.socketserver.stats;

import java.util.Map;

/**
 * What a broker's engine reports about itself, read at scrape time (never on a publication's
 * path). A {@link dev.socketserver.broker.Broker} that implements it is registered by the node
 * with its {@link Stats}; an engine implements what it can answer cheaply and keeps the defaults
 * for the rest. Implementations must be thread-safe and must not block on the network: answer
 * from state the engine already keeps.
 */
public interface EngineGauges {

    /** Streams with state (history, position or idempotency keys) held now; {@code -1}: unknown. */
    default long historyStreams() {
        return -1;
    }

    /** Publications retained in history over all streams now; {@code -1}: unknown. */
    default long historyEntries() {
        return -1;
    }

    /**
     * The state of each link to the engine, by shard name (a small, configured set such as
     * {@code "0"}, {@code "1"}, or a host:port; never a room or user): {@code true} while
     * connected. Empty for an engine without links (the in-memory one).
     */
    default Map<String, Boolean> links() {
        return Map.of();
    }
}
