package dev.socketserver.node;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerEventHandler;
import dev.socketserver.broker.ControlCommand;
import dev.socketserver.broker.ControlReply;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.broker.HistoryResult;
import dev.socketserver.broker.PublishOptions;
import dev.socketserver.broker.PublishResult;
import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Target;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A memory broker the test can restart: every stream then begins again at offset 1 under a new
 * epoch, as when a quiet stream's state is dropped or an engine loses its data.
 */
final class RestartableBroker implements Broker {
    private volatile MemoryBroker current = new MemoryBroker();
    private volatile BrokerEventHandler handler;
    private final java.util.Set<Target> followed = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
    public CompletionStage<PublishResult> publish(Target target, Notification notification, PublishOptions options) {
        return current.publish(target, notification, options);
    }

    @Override
    public CompletionStage<HistoryResult> history(Target target, HistoryQuery query) {
        return current.history(target, query);
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

    @Override
    public CompletionStage<List<ControlReply>> control(ControlCommand command) {
        return current.control(command);
    }

    @Override
    public void close() {
        current.close();
    }
}
