package dev.socketserver.broker;

import dev.socketserver.message.Notification;
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
 *   <li>History is bounded by size and age per publish ({@link PublishOptions}); offsets grow by one
 *   per publication of a stream that keeps history, and the epoch changes whenever that
 *   history is lost (restart, expiry of the whole stream), so older positions are recognisably
 *   stale.</li>
 *   <li>Idempotency keys are scoped to one stream and remembered for the window given.</li>
 *   <li>After {@link #close} every call fails with an {@code UNAVAILABLE} {@code ServerException}.</li>
 * </ul>
 */
public interface Broker extends AutoCloseable {

    /** Registers this node's handler; called once before any publish. */
    void start(BrokerEventHandler handler);

    /**
     * Publishes {@code notification} to {@code target}'s stream, keeping it as {@code options}
     * say. A stream that keeps history gives the publication the next offset; a stream without
     * history gives none.
     */
    CompletionStage<PublishResult> publish(Target target, Notification notification, PublishOptions options);

    /**
     * Reads a stream's retained publications and its current position. Streams that never had
     * history, or whose history expired, answer offset 0 with a fresh epoch.
     */
    CompletionStage<HistoryResult> history(Target target, HistoryQuery query);

    @Override
    void close();
}
