package dev.socketserver.transport.websocket;

import dev.socketserver.hub.Transport;
import dev.socketserver.message.Frame;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Adapts a {@link Session} to a core {@link Transport}.
 *
 * <p>On Jetty a batch goes through Jetty's core API ({@link JettyCore}): every frame's shared
 * UTF-8 bytes are queued in batch mode and one asynchronous flush writes them together, usually
 * in one system call. Elsewhere (Tomcat) frames go out one async send after another, since the
 * Jakarta API allows one outstanding async send per session. Pings and closes have only
 * blocking forms in the Jakarta API, so there they run on {@code control}, never on a
 * publishing or I/O thread; Jetty's core pings without blocking.
 */
final class SessionTransport implements Transport {
    private static final Logger LOG = Logger.getLogger(SessionTransport.class.getName());
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Said once per class loader (per deployment), on the first connection. */
    private static final AtomicBoolean SAID = new AtomicBoolean();

    private final Session session;
    private final Executor control;
    /** Jetty's core session and connection ({@link JettyCore}), or null for the portable path. */
    private final Object core;
    private final Object connection;
    /** The connection's frame flusher, when reachable: a batch is then queued and processed in one pass. */
    private final Object flusher;
    private Object flushed;
    /** The pending batch's completion (one write at a time, see {@link Transport}). */
    private volatile Consumer<Throwable> done;

    SessionTransport(Session session, Executor control) {
        this.session = session;
        this.control = control;
        Object c = null;
        Object conn = null;
        if (JettyCore.available(session)) {
            try {
                c = JettyCore.coreSession(session);
                conn = JettyCore.connection(c);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "Jetty core session unavailable; using the Jakarta API", e);
                c = null;
                conn = null;
            }
        }
        this.core = conn == null ? null : c;
        this.connection = conn;
        this.flusher = conn == null ? null : JettyCore.flusher(conn);
        if (conn != null) {
            JettyTrim.apply(session, c);
        }
        if (SAID.compareAndSet(false, true)) {
            LOG.info(connection != null
                    ? "WebSocket writes: Jetty core API (a client's queued frames go out batched, one flush per batch"
                            + (flusher != null ? ")" : "; frames processed one at a time)")
                    : "WebSocket writes: Jakarta API (one async send per frame) on " + session.getClass().getName());
        }
    }

    @Override
    public void write(List<Frame> frames, Consumer<Throwable> done) {
        if (connection == null) {
            new BatchWrite(frames, done).next();
            return;
        }
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

    /** Walks a batch; each completion sends the next frame. */
    private final class BatchWrite implements SendHandler {
        private final List<Frame> frames;
        private final Consumer<Throwable> done;
        private int index;

        BatchWrite(List<Frame> frames, Consumer<Throwable> done) {
            this.frames = frames;
            this.done = done;
        }

        void next() {
            if (index == frames.size()) {
                done.accept(null);
                return;
            }
            try {
                session.getAsyncRemote().sendText(frames.get(index++).text(), this);
            } catch (RuntimeException e) {
                done.accept(e);
            }
        }

        @Override
        public void onResult(SendResult result) {
            if (!result.isOK()) {
                done.accept(result.getException() != null ? result.getException() : new IOException("send failed"));
            } else {
                next();
            }
        }
    }

    @Override
    public void ping() {
        if (core != null) {
            try {
                JettyCore.ping(core);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "ping failed", e);
            }
            return;
        }
        control.execute(() -> {
            try {
                if (session.isOpen()) {
                    session.getBasicRemote().sendPing(EMPTY.duplicate());
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "ping failed", e);
            }
        });
    }

    @Override
    public void close(int code, String reason) {
        control.execute(() -> {
            try {
                if (session.isOpen()) {
                    session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "close failed", e);
            }
        });
    }
}
