package dev.socketserver.broker;

import dev.socketserver.message.StreamPosition;

/**
 * @param position  the stream position given to the publication ({@code null} without history)
 * @param duplicate true when an idempotency key matched an earlier publish, which was not repeated
 */
public record PublishResult(StreamPosition position, boolean duplicate) {
}
