package dev.socketserver.node;

import dev.socketserver.message.StreamPosition;

/**
 * The outcome of entering a room or recovering a stream.
 *
 * @param position  the stream's current position ({@code null} when it keeps no history)
 * @param recovered {@code null} when no recovery was asked; else whether every missed
 *                  publication was replayed (false: position too old or epoch changed, the
 *                  client must refetch its state)
 */
public record EnterResult(StreamPosition position, Boolean recovered) {
}
