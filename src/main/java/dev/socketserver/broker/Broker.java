package dev.socketserver.broker;

import dev.socketserver.message.Notification;
import dev.socketserver.message.Target;
import java.util.concurrent.CompletionStage;

/**
 * Publishes to streams and calls back every node. The rules below are what keep delivery
 * correct under races (docs/DELIVERY.md); every implementation keeps them and runs
 * {@code BrokerContract}.
 *
 * <ul>
 *   <li><b>One ordering domain per stream.</b> Every publication to a stream - with or without
 *   history, with or without idempotency key, presence events too - and every history read of
 *   it are ordered by one lock or sequence. {@link #publish} assigns the next offset of the
 *   target's stream; appending to history and handing the publication to the handler are one
 *   step in that domain, so no handler sees offset N+1 before N, and a history read sees a
 *   publication exactly when the handler has been given it. Publications made one after the
 *   other (happens-before) are ordered in that order.</li>
 *   <li><b>Nothing but queueing under a stream's lock.</b> The handler is called inside the
 *   stream's domain and only queues; the broker itself does nothing there that waits on
 *   another stream (bounds are enforced after).</li>
 *   <li><b>Accepted is final.</b> The returned stage completes once the publication is accepted
 *   (durably, as far as the implementation is durable); it does not wait for sockets, and a
 *   failure after acceptance (a handler that throws) is never reported to the publisher.</li>
 *   <li><b>Positions.</b> Offsets grow by one per publication of a stream that keeps history.
 *   The epoch changes whenever that history is lost (restart, or the stream's state dropped at
 *   a bound or after its position TTL), and an epoch never names two histories, so an older
 *   position is recognisably stale. A stream's position outlives its retained entries (its
 *   own TTL). Reading a stream never creates state.</li>
 *   <li><b>Bounded.</b> History is bounded per publication ({@link PublishOptions}: size and
 *   age); implementations bound the number of streams with state and of idempotency keys, and
 *   document what happens at the bound (drop a stream's state with an epoch change; forget the
 *   oldest keys).</li>
 *   <li>Idempotency keys are scoped to one stream and remembered for the window given.</li>
 *   <li>Thread-safe: any thread may publish at any time after {@link #start}.</li>
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
     * Reads a stream's retained publications and its current position. A stream without state
     * (never published with history, or its state dropped) answers offset 0 and the epoch its
     * next publication will get; reading it creates no state.
     */
    CompletionStage<HistoryResult> history(Target target, HistoryQuery query);

    @Override
    void close();
}
