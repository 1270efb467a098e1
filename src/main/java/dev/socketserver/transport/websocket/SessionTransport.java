package dev.socketserver.transport.websocket;

import dev.socketserver.hub.Transport;
import dev.socketserver.message.Frame;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Adapts a {@link Session} to a core {@link Transport}: frames go out one async send after
 * another (the Jakarta API allows one outstanding async send per session). Pings and closes
 * have only blocking forms in the Jakarta API, so they run on {@code control}, never on a
 * publishing or I/O thread.
 */
final class SessionTransport implements Transport {
    private static final Logger LOG = Logger.getLogger(SessionTransport.class.getName());
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Session session;
    private final RemoteEndpoint.Async remote;
    private final Executor control;

    private final boolean pipelined;

    SessionTransport(Session session, Executor control) {
        this.session = session;
        this.remote = session.getAsyncRemote();
        this.control = control;
        this.pipelined = session.getClass().getName().startsWith("org.eclipse.jetty.");
    }

    @Override
    public void write(List<Frame> frames, Consumer<Throwable> done) {
        if (pipelined && frames.size() > 1) {
            new PipelinedWrite(frames.size(), done).sendAll(frames);
        } else {
            new BatchWrite(frames, done).next();
        }
    }

    /**
     * Jetty queues whole messages itself and gathers the frames queued while a write is pending
     * into one socket write, so the batch is handed over at once and completes when its last
     * frame does. (Tomcat allows one outstanding async message: {@link BatchWrite}.)
     */
    private final class PipelinedWrite implements SendHandler {
        private final Consumer<Throwable> done;
        private final java.util.concurrent.atomic.AtomicInteger left;
        private final java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();

        PipelinedWrite(int n, Consumer<Throwable> done) {
            this.done = done;
            this.left = new java.util.concurrent.atomic.AtomicInteger(n);
        }

        void sendAll(List<Frame> frames) {
            for (Frame f : frames) {
                try {
                    remote.sendText(f.text(), this);
                } catch (RuntimeException e) {
                    fail(e);
                    return;
                }
            }
        }

        @Override
        public void onResult(SendResult result) {
            if (!result.isOK()) {
                fail(result.getException() != null ? result.getException() : new IOException("send failed"));
            } else if (left.decrementAndGet() == 0 && !failed.get()) {
                done.accept(null);
            }
        }

        private void fail(Throwable t) {
            if (failed.compareAndSet(false, true)) {
                done.accept(t);
            }
        }
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
                remote.sendText(frames.get(index++).text(), this);
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
