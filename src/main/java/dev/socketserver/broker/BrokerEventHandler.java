package dev.socketserver.broker;

import dev.socketserver.message.Publication;

/**
 * Receives what a {@link Broker} delivers to this node.
 *
 * <p>Contract: for one stream, calls arrive one at a time and in offset order. Calls for
 * different streams may be concurrent. Implementations must not block: they hand frames to
 * outbound queues and return.
 */
public interface BrokerEventHandler {
    void onPublication(Publication publication);
}
