package dev.socketserver.node;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerEventHandler;
import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.message.Target;
import dev.socketserver.testing.ForwardingBroker;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A memory broker the test can restart: every stream then begins again at offset 1 under a new
 * epoch, as when a quiet stream's state is dropped or an engine loses its data.
 */
final class RestartableBroker extends ForwardingBroker {
    private volatile MemoryBroker current = new MemoryBroker();
    private volatile BrokerEventHandler handler;
    private final Set<Target> followed = ConcurrentHashMap.newKeySet();

    @Override
    protected Broker delegate() {
        return current;
    }

    @Override
    public void start(BrokerEventHandler handler) {
        this.handler = handler;
        current.start(handler);
    }

    /** Drops every stream's state (the node's interest is kept, as an engine keeps its subscriptions). */
    void restart() {
        MemoryBroker old = current;
        MemoryBroker next = new MemoryBroker();
        next.start(handler);
        followed.forEach(next::subscribe);
        current = next;
        old.close();
    }

    @Override
    public CompletionStage<Void> subscribe(Target target) {
        followed.add(target);
        return current.subscribe(target);
    }

    @Override
    public CompletionStage<Void> unsubscribe(Target target) {
        followed.remove(target);
        return current.unsubscribe(target);
    }
}
