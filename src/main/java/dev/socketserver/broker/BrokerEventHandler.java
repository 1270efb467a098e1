package dev.socketserver.broker;

import dev.socketserver.message.Publication;

/**
 * Receives what a {@link Broker} delivers to this node.
 *
 * <p>Contract: for one stream, calls arrive one at a time and in offset order, inside the
 * stream's ordering domain; calls for different streams may be concurrent. Implementations
 * must not block and must not do anything that could wait on another stream (publish, close a
 * client with its side effects, change presence): they hand frames to outbound queues and
 * return, and defer anything else to another thread.
 */
public interface BrokerEventHandler {
    void onPublication(Publication publication);

    /**
     * A control command from any node, this one included: act on this node's connections and
     * answer. Called outside any stream's ordering domain; must not send control commands itself.
     */
    ControlReply onControl(ControlCommand command);

    /**
     * The broker's view may have a gap: make every affected client recover (a reconnect close
     * in 4000-4499, or a recovery from history). Called outside any stream's ordering domain.
     */
    void onGap(Gap gap);

    /**
     * The broker cannot reach its engine (e.g. Redis is down): publishing and history fail
     * meanwhile, and the node should report itself not ready. What may have been missed is
     * reported with {@link #onGap} once the link is back and the broker repaired what it could.
     * The memory broker never calls it. Quick; called outside any stream's ordering domain.
     *
     * @param why what is down, never an address or secret
     */
    default void onLinkLost(String why) {
    }

    /** The engine is reachable again and every followed stream is subscribed again. */
    default void onLinkRestored() {
    }
}
