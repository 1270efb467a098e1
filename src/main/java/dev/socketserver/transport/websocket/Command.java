package dev.socketserver.transport.websocket;

import dev.socketserver.message.StreamPosition;

/**
 * A parsed client command. {@code id} is the raw JSON of the command's {@code "id"} (a number
 * or a string, echoed verbatim in the reply), or {@code null} when the command has none.
 */
sealed interface Command {
    String id();

    /** {@code since} is {@code null} unless the client asks to recover from a position. */
    record Enter(String id, String room, StreamPosition since) implements Command { }

    record Leave(String id, String room) implements Command { }

    record Ping(String id) implements Command { }

    record Refresh(String id, String token) implements Command { }
}
