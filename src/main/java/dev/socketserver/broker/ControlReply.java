package dev.socketserver.broker;

import java.util.Map;

/** One node's answer to a {@link ControlCommand}. */
public sealed interface ControlReply {

    /** Connections the command acted on at this node. */
    record Connections(int count) implements ControlReply {
    }

    /** This node's rooms with members, with their member counts. */
    record Rooms(Map<String, Integer> rooms) implements ControlReply {
        public Rooms {
            rooms = Map.copyOf(rooms);
        }
    }

    /** This node's statistics. */
    record Stats(String nodeId, long uptimeMillis, int clients, int users, int rooms, long publications,
                 long deliveries) implements ControlReply {
    }
}
