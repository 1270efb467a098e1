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
}
