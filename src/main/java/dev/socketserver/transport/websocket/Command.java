package dev.socketserver.transport.websocket;

/**
 * A parsed client command. {@code id} is the raw JSON of the command's {@code "id"} (a number
 * or a string, echoed verbatim in the reply), or {@code null} when the command has none.
 */
sealed interface Command {
    String id();

    record Enter(String id, String room) implements Command { }

    record Leave(String id, String room) implements Command { }

    record Ping(String id) implements Command { }

    record Refresh(String id, String token) implements Command { }
}
