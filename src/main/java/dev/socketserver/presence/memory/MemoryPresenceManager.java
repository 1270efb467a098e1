package dev.socketserver.presence.memory;

import dev.socketserver.presence.ClientInfo;
import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.PresenceStats;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process {@link PresenceManager}: single node in production; nodes of one JVM may share
 * one instance (the contract tests run two). One concurrent map per room, removed when the
 * room empties; every operation completes immediately, so calls for one client take effect in
 * the order made. A node's liveness is one timestamp; the entries of a node not refreshed within
 * the TTL are left out of every answer and dropped, room by room as they are read and all at
 * once at the next refresh of any node.
 */
public final class MemoryPresenceManager implements PresenceManager {
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(60);

    private final Clock clock;
    private final long ttlMillis;
    private final Map<String, Map<String, ClientInfo>> rooms = new ConcurrentHashMap<>();
    /** When each node's entries expire unless it refreshes. */
    private final Map<String, Long> aliveUntil = new ConcurrentHashMap<>();

    public MemoryPresenceManager() {
        this(Clock.systemUTC(), DEFAULT_TTL);
    }

    /** @param ttl how long a node's entries live after its last refresh */
    public MemoryPresenceManager(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttlMillis = ttl.toMillis();
    }

    @Override
    public CompletionStage<Void> add(String room, ClientInfo client) {
        rooms.compute(room, (k, m) -> {
            Map<String, ClientInfo> members = m != null ? m : new ConcurrentHashMap<>();
            members.put(client.clientId(), client);
            return members;
        });
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> remove(String room, String clientId) {
        rooms.computeIfPresent(room, (k, m) -> {
            m.remove(clientId);
            return m.isEmpty() ? null : m;
        });
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> refresh(String nodeId) {
        long now = clock.millis();
        Long until = aliveUntil.put(nodeId, now + ttlMillis);
        boolean wasAlive = until != null && until > now;
        Set<String> dead = new HashSet<>();
        aliveUntil.forEach((node, u) -> {
            if (u <= now) {
                dead.add(node);
            }
        });
        if (!wasAlive) {
            dead.add(nodeId); // entries it added while not alive may be partial: it adds them all again
        }
        if (!dead.isEmpty()) {
            dead.forEach(node -> aliveUntil.remove(node, aliveUntil.get(node)));
            aliveUntil.put(nodeId, now + ttlMillis);
            dropEntriesOf(dead);
        }
        return CompletableFuture.completedFuture(wasAlive);
    }

    @Override
    public CompletionStage<Void> removeNode(String nodeId) {
        aliveUntil.remove(nodeId);
        dropEntriesOf(Set.of(nodeId));
        return CompletableFuture.completedFuture(null);
    }

    private void dropEntriesOf(Set<String> nodes) {
        for (String room : rooms.keySet()) {
            rooms.computeIfPresent(room, (k, m) -> {
                m.values().removeIf(c -> nodes.contains(c.nodeId()));
                return m.isEmpty() ? null : m;
            });
        }
    }

    /** The room's entries of live nodes; those of dead nodes are dropped on the way. */
    private Map<String, ClientInfo> live(String room) {
        Map<String, ClientInfo> m = rooms.get(room);
        if (m == null) {
            return Map.of();
        }
        long now = clock.millis();
        Map<String, ClientInfo> out = new HashMap<>();
        Set<String> dead = new HashSet<>();
        for (ClientInfo c : m.values()) {
            Long until = aliveUntil.get(c.nodeId());
            if (until != null && until > now) {
                out.put(c.clientId(), c);
            } else if (until != null) {
                dead.add(c.nodeId());
            }
        }
        if (!dead.isEmpty()) {
            rooms.computeIfPresent(room, (k, entries) -> {
                entries.values().removeIf(c -> dead.contains(c.nodeId()));
                return entries.isEmpty() ? null : entries;
            });
        }
        return out;
    }

    @Override
    public CompletionStage<Map<String, ClientInfo>> presence(String room) {
        return CompletableFuture.completedFuture(Map.copyOf(live(room)));
    }

    @Override
    public CompletionStage<PresenceStats> stats(String room) {
        Set<String> users = new HashSet<>();
        int clients = 0;
        for (ClientInfo c : live(room).values()) {
            clients++;
            users.add(c.userId());
        }
        return CompletableFuture.completedFuture(new PresenceStats(clients, users.size()));
    }

    /** Nothing to release; other nodes may share the entries. */
    @Override
    public void close() {
    }
}
