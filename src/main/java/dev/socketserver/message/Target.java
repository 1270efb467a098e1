package dev.socketserver.message;

import java.util.Objects;

/**
 * Where a publication goes. Each target is one stream with its own offsets: the broadcast
 * stream, one stream per room and one per user.
 */
public sealed interface Target {

    /** A stable key naming the stream, unique across kinds. */
    String streamKey();

    /** Every connection of the node (and, in multi-node mode, of every node). */
    record All() implements Target {
        static final All INSTANCE = new All();

        @Override
        public String streamKey() {
            return "all";
        }
    }

    /** Every connection subscribed to {@code name}. */
    record Room(String name) implements Target {
        public Room {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public String streamKey() {
            return "room:" + name;
        }
    }

    /** Every connection whose token's {@code sub} is {@code id}. */
    record User(String id) implements Target {
        public User {
            Objects.requireNonNull(id, "id");
        }

        @Override
        public String streamKey() {
            return "user:" + id;
        }
    }

    static Target all() {
        return All.INSTANCE;
    }

    static Target room(String name) {
        return new Room(name);
    }

    static Target user(String id) {
        return new User(id);
    }
}
