package dev.socketserver.broker;

import java.util.Objects;

/**
 * An operation on connections, or a question about them, that must reach every node: a user's
 * connections and a room's members may be on any node. Sent with {@link Broker#control}; each
 * node answers with a {@link ControlReply}. Values only, so an engine can carry them between
 * processes.
 *
 * <p>There is deliberately no presence command: a room's presence comes from the shared
 * presence store ({@code presence.PresenceManager}), which every node writes, not from asking
 * every node (see {@link Broker}, Control).
 */
public sealed interface ControlCommand {

    /** Every connection of {@code userId} enters {@code room}; each node answers {@link ControlReply.Connections}. */
    record SubscribeUser(String userId, String room) implements ControlCommand {
        public SubscribeUser {
            Objects.requireNonNull(userId, "userId");
            Objects.requireNonNull(room, "room");
        }
    }

    /** Every connection of {@code userId} leaves {@code room}; each node answers {@link ControlReply.Connections}. */
    record UnsubscribeUser(String userId, String room) implements ControlCommand {
        public UnsubscribeUser {
            Objects.requireNonNull(userId, "userId");
            Objects.requireNonNull(room, "room");
        }
    }

    /** Every connection of {@code userId} is closed (4005 with {@code reconnect}, else 4503); answers {@link ControlReply.Connections}. */
    record DisconnectUser(String userId, boolean reconnect) implements ControlCommand {
        public DisconnectUser {
            Objects.requireNonNull(userId, "userId");
        }
    }

    /** Rooms with members whose names match {@code pattern} (a glob; empty: all); answers {@link ControlReply.Rooms}. */
    record Rooms(String pattern) implements ControlCommand {
        public Rooms {
            Objects.requireNonNull(pattern, "pattern");
        }
    }

    /** Each node's statistics; answers {@link ControlReply.Stats}. */
    record Info() implements ControlCommand {
    }
}
