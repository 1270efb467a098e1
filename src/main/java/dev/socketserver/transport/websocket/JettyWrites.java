package dev.socketserver.transport.websocket;

import dev.socketserver.message.Frame;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Jetty's batched path ({@link JettyCore}): every frame's shared UTF-8 bytes are queued in batch
 * mode and one asynchronous flush writes them together, usually in one system call; pings go
 * out without blocking.
 */
final class JettyWrites implements SessionWrites {
    private final Object core;
    private final Object connection;
    /** The connection's frame flusher, when reachable: a batch is then queued and processed in one pass. */
    private final Object flusher;
    private Object flushed;
    /** The pending batch's completion (one write at a time). */
    private volatile Consumer<Throwable> done;

    /** @param core a Jetty core session, {@code connection} its connection (see {@link JettyCore}) */
    JettyWrites(Object core, Object connection) {
        this.core = core;
        this.connection = connection;
        this.flusher = JettyCore.flusher(connection);
    }

    @Override
    public void write(List<Frame> frames, Consumer<Throwable> done) {
        this.done = done;
        try {
            if (flushed == null) {
                flushed = JettyCore.callback(this::flushSucceeded, this::flushFailed);
            }
            JettyCore.write(core, connection, flusher, frames, flushed);
        } catch (RuntimeException e) {
            flushFailed(e);
        }
    }

    private void flushSucceeded() {
        done.accept(null);
    }

    private void flushFailed(Throwable t) {
        done.accept(t != null ? t : new IOException("send failed"));
    }

    @Override
    public boolean ping() {
        JettyCore.ping(core);
        return true;
    }

    @Override
    public String describe() {
        return "Jetty core API (a client's queued frames go out batched, one flush per batch"
                + (flusher != null ? ")" : "; frames processed one at a time)");
    }
}
