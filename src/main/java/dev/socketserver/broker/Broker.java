package dev.socketserver.broker;

import dev.socketserver.message.Notification;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import java.util.concurrent.CompletionStage;

/**
 * Publishes to streams and calls back every node.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #publish} assigns the next offset of the target's stream; appending to history and
 *   handing the publication to the handlers is atomic per stream, so no handler sees offset
 *   N+1 before N.</li>
 *   <li>The returned stage completes once the publication is accepted (durably, as far as the
 *   implementation is durable); it does not wait for sockets.</li>
 *   <li>Thread-safe: any thread may publish at any time after {@link #start}.</li>
 *   <li>After {@link #close} publish fails with an {@code UNAVAILABLE} {@code ServerException}.</li>
 * </ul>
 */
public interface Broker extends AutoCloseable {

    /** Registers this node's handler; called once before any publish. */
    void start(BrokerEventHandler handler);

    /**
     * Publishes {@code notification} to {@code target}'s stream.
     *
     * @return the position assigned, or {@code null} when the stream keeps no history
     */
    CompletionStage<StreamPosition> publish(Target target, Notification notification);

    @Override
    void close();
}
