package dev.socketserver.presence.memory;

import dev.socketserver.presence.ClientInfo;
import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.PresenceStats;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default {@link PresenceManager}: single node only. One concurrent map per room, removed
 * when the room empties; every operation completes immediately.
 */
public final class MemoryPresenceManager implements PresenceManager {
    private final Map<String, Map<String, ClientInfo>> rooms = new ConcurrentHashMap<>();

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
    public CompletionStage<Map<String, ClientInfo>> presence(String room) {
        Map<String, ClientInfo> m = rooms.get(room);
        return CompletableFuture.completedFuture(m == null ? Map.of() : Map.copyOf(m));
    }

    @Override
    public CompletionStage<PresenceStats> stats(String room) {
        Map<String, ClientInfo> m = rooms.get(room);
        if (m == null) {
            return CompletableFuture.completedFuture(new PresenceStats(0, 0));
        }
        Set<String> users = new HashSet<>();
        int clients = 0;
        for (ClientInfo c : m.values()) {
            clients++;
            users.add(c.userId());
        }
        return CompletableFuture.completedFuture(new PresenceStats(clients, users.size()));
    }

    @Override
    public void close() {
        rooms.clear();
    }
}
