package dev.socketserver.transport.websocket;

import dev.socketserver.message.Frame;
import java.util.List;
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

    /** For the log line that says which path the server takes. */
    String describe();
}
