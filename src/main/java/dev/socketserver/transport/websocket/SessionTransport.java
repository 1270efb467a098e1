package dev.socketserver.transport.websocket;

import dev.socketserver.config.Config;
import dev.socketserver.hub.Transport;
import dev.socketserver.message.Frame;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Adapts a {@link Session} to a core {@link Transport}, on the write path the container allows
 * ({@link SessionWrites}): with {@code WS_WRITE_PATH=auto}, Jetty 12.1's core API
 * ({@link JettyWrites}, plus {@link JettyTrim}'s idle-memory trims) or Tomcat's output buffer
 * ({@link TomcatWrites}), both batched and never blocking; otherwise, or where their lookups
 * failed, the Jakarta API ({@link JakartaWrites}). Pings and closes that have only blocking
 * forms run on {@code control}, never on a publishing or I/O thread.
 */
final class SessionTransport implements Transport {
    private static final Logger LOG = Logger.getLogger(SessionTransport.class.getName());
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Said once per class loader (per deployment), on the first connection. */
    private static final AtomicBoolean SAID = new AtomicBoolean();
    /**
     * How long a close frame queued behind a pending write may wait for the client to read
     * ({@link SessionWrites#closeBehindWrites}) before the socket is closed without it.
     */
    static final long CLOSE_FRAME_GRACE_MILLIS = 5_000;

    private final Session session;
    private final Pools pools;
    private final SessionWrites writes;

    /**
     * The gateway's pools, shared by every connection (one field per connection for both):
     * {@code control} for pings and closes that block, {@code timer} for close deadlines.
     */
    record Pools(Executor control, ScheduledExecutorService timer) {
    }

    SessionTransport(Session session, Pools pools, Config.WritePath path) {
        this.session = session;
        this.pools = pools;
        this.writes = path == Config.WritePath.PORTABLE ? new JakartaWrites(session, true) : shortcut(session);
        if (SAID.compareAndSet(false, true)) {
            LOG.info("WebSocket writes: " + writes.describe());
        }
    }

    /** The container's batched path for {@code session}, else the Jakarta API. */
    private static SessionWrites shortcut(Session session) {
        try {
            if (JettyCore.available(session)) {
                Object core = JettyCore.coreSession(session);
                Object connection = JettyCore.connection(core);
                if (connection != null) {
                    JettyWrites writes = new JettyWrites(core, connection);
                    JettyTrim.apply(session, core);
                    return writes;
                }
            } else if (TomcatCore.available(session)) {
                return new TomcatWrites(session);
            }
        } catch (RuntimeException e) {
            // The lookups succeeded (and were reported if not), so this is one odd session.
            LOG.log(Level.FINE, "container shortcut unavailable for this session; using the Jakarta API", e);
        }
        return new JakartaWrites(session, false);
    }

    @Override
    public void write(List<Frame> frames, Consumer<Throwable> done) {
        writes.write(frames, done);
    }

    @Override
    public void ping() {
        try {
            if (writes.ping()) {
                return;
            }
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "ping failed", e);
            return;
        }
        pools.control().execute(() -> {
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
        Runnable closeSession = () -> pools.control().execute(() -> {
            try {
                if (session.isOpen()) {
                    session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "close failed", e);
            }
        });
        if (!writes.closeBehindWrites(code, reason, closeSession, pools.timer(), CLOSE_FRAME_GRACE_MILLIS)) {
            writes.closing();
            closeSession.run();
        }
    }
}
