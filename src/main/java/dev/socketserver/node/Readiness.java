package dev.socketserver.node;

import java.util.Objects;

/**
 * Whether this node should receive new traffic, and why not. Only {@link State#SERVING} is ready;
 * the reason is safe to show to anyone (no settings, addresses or keys).
 */
public record Readiness(State state, String reason) {

    /** A node's phases, in the order they usually happen; the engine can come and go while serving. */
    public enum State {
        /** Built, but its transports are not installed yet. */
        STARTING,
        /** Accepting connections and publications. */
        SERVING,
        /** The broker's engine cannot be reached; connections and publications would fail. */
        ENGINE_UNREACHABLE,
        /** Shutting down: new connections and calls are refused, existing ones are being closed. */
        DRAINING
    }

    public Readiness {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
    }

    public boolean ready() {
        return state == State.SERVING;
    }
}
