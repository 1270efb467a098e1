package dev.socketserver.node;

import dev.socketserver.presence.ClientInfo;
import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.PresenceStats;
import dev.socketserver.presence.memory.MemoryPresenceManager;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Memory presence passed through; node tests override the calls they hook into or fail. */
abstract class ForwardingPresence implements PresenceManager {
    final MemoryPresenceManager delegate = new MemoryPresenceManager();

    @Override
    public CompletionStage<Void> add(String room, ClientInfo client) {
        return delegate.add(room, client);
    }

    @Override
    public CompletionStage<Void> remove(String room, String clientId) {
        return delegate.remove(room, clientId);
    }

    @Override
    public CompletionStage<Boolean> refresh(String nodeId) {
        return delegate.refresh(nodeId);
    }

    @Override
    public CompletionStage<Void> removeNode(String nodeId) {
        return delegate.removeNode(nodeId);
    }

    @Override
    public CompletionStage<Map<String, ClientInfo>> presence(String room) {
        return delegate.presence(room);
    }

    @Override
    public CompletionStage<PresenceStats> stats(String room) {
        return delegate.stats(room);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
