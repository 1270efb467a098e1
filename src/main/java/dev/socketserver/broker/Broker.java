package dev.socketserver.broker;

import dev.socketserver.message.Notification;
import dev.socketserver.message.Target;
import java.util.List;
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
 *   <li><b>Interest.</b> A node is given the publications of the streams it has subscribed to
 *   ({@link #subscribe} on its first local member of a room or user, {@link #unsubscribe}
 *   after the last) and of no others, so a broker can listen only to those. Subscribe and
 *   unsubscribe of one stream take effect in the order they are made; once a subscribe's stage
 *   completed, every later publication of the stream is delivered to the node, and a history
 *   read made after it sees every earlier one. History is kept whether or not any node is
 *   interested.</li>
 *   <li><b>Control.</b> {@link #control} reaches every node that shares the engine, this one
 *   included, outside any stream's ordering domain, and completes with every node's reply, so
 *   operations on a user's connections reach them on whichever node they are. A room's
 *   presence is deliberately not a control command: it is read from the shared
 *   {@link dev.socketserver.presence.PresenceManager} store, where every node keeps its entries
 *   (with its node id and a TTL), so one read answers for the whole cluster, with no round trip
 *   to every node and still an answer while a node is slow or gone (its entries expire).</li>
 *   <li><b>Gaps are reported.</b> When the broker cannot vouch that a node was given every
 *   publication of a stream it follows (the link to the engine was lost, an offset was missed,
 *   the node's handler failed on a publication) it calls {@link BrokerEventHandler#onGap},
 *   outside any stream's ordering domain; it never leaves the node with a silent gap.</li>
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

    /**
     * This node has local members of {@code target}'s stream from now on. Completes when the
     * stream's publications are delivered to this node (see the class comment).
     */
    CompletionStage<Void> subscribe(Target target);

    /** This node has no local member of {@code target}'s stream any more. */
    CompletionStage<Void> unsubscribe(Target target);

    /**
     * Sends {@code command} to every node sharing the engine, this one included; completes with
     * their replies (one per node, in no particular order), or fails if a node could not answer.
     */
    CompletionStage<List<ControlReply>> control(ControlCommand command);

    /** Leaves the engine: this node's interest and handler are dropped. */
    @Override
    void close();
}
