package dev.socketserver.transport.websocket;

import dev.socketserver.message.Frame;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * How one session's batches reach its socket: one of three paths, chosen per connection by
 * {@link SessionTransport}. Each keeps {@link dev.socketserver.hub.Transport}'s contract for
 * {@link #write}: one batch at a time, frames in order, {@code done} exactly once.
 */
sealed interface SessionWrites permits JettyWrites, FrameLoop {

    void write(List<Frame> frames, Consumer<Throwable> done);

    /** Sends a ping without blocking; false if this path can only ping blocking (then the caller does it on its control pool). */
    boolean ping();

    /**
     * The server is about to close the session: a batch in progress may stop and drop its
     * frames; nothing written after this may overtake frames written before it.
     */
    default void closing() {
    }

    /**
     * Sends the close frame behind everything already handed to the container, without
     * blocking, and runs {@code closeSession} once it is on the wire, or after {@code graceMillis}
     * (on {@code timer}) if it is not by then. Instead of {@link #closing()} plus the session's
     * own close, for paths where the latter could lose the close frame.
     *
     * @return false if this path has no such close: the caller calls {@link #closing()} and
     *         closes through the session
     */
    default boolean closeBehindWrites(int code, String reason, Runnable closeSession, ScheduledExecutorService timer,
                                      long graceMillis) {
        return false;
    }

    /** For the log line that says which path the server takes. */
    String describe();
}
