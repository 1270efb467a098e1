package dev.socketserver.testing;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerEventHandler;
import dev.socketserver.broker.ControlCommand;
import dev.socketserver.broker.ControlReply;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.broker.HistoryResult;
import dev.socketserver.broker.PublishOptions;
import dev.socketserver.broker.PublishResult;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Target;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** A broker that forwards every call to another; tests override the calls they change (a slow or failing engine). */
public abstract class ForwardingBroker implements Broker {

    /** Where calls go (may change, e.g. for a restarted engine). */
    protected abstract Broker delegate();

    @Override
    public void start(BrokerEventHandler handler) {
        delegate().start(handler);
    }

    @Override
    public CompletionStage<PublishResult> publish(Target target, Notification notification, PublishOptions options) {
        return delegate().publish(target, notification, options);
    }

    @Override
    public CompletionStage<HistoryResult> history(Target target, HistoryQuery query) {
        return delegate().history(target, query);
    }

    @Override
    public CompletionStage<Void> subscribe(Target target) {
        return delegate().subscribe(target);
    }

    @Override
    public CompletionStage<Void> unsubscribe(Target target) {
        return delegate().unsubscribe(target);
    }

    @Override
    public CompletionStage<List<ControlReply>> control(ControlCommand command) {
        return delegate().control(command);
    }

    @Override
    public void close() {
        delegate().close();
    }
}
