package dev.socketserver.transport.websocket;

import dev.socketserver.auth.TokenVerifier;
import dev.socketserver.config.Config;
import dev.socketserver.node.Node;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Everything the WebSocket edge shares across connections: the node, the verifier, the
 * command codec and two small pools (one for pings and closes, which may block, one timer
 * for the token-expiry sweep). Installs the {@code /ws} servlet.
 *
 * <p>Token expiry is one periodic sweep over the connections whose token expires
 * ({@link #EXPIRY_SWEEP_MILLIS}), not a scheduled task per connection: a set entry costs ~40
 * bytes per connection, a {@code ScheduledFutureTask} with its callable and lambda ~110. A
 * connection is closed with 4001 at most one sweep period after its token's {@code exp}.
 */
public final class WebSocketGateway implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WebSocketGateway.class.getName());
    /** Period of the token-expiry sweep. */
    static final long EXPIRY_SWEEP_MILLIS = 250;

    final Node node;
    final TokenVerifier verifier;
    final Config config;
    final CommandCodec codec = new CommandCodec();
    final ExecutorService control;
    final ScheduledExecutorService timer;
    /** Both pools, as each connection's transport holds them. */
    final SessionTransport.Pools pools;
    /** Per-user connection slots, taken before the upgrade. */
    final UserSlots slots;
    /** Open connections whose token expires. */
    private final Set<Expiring> expiring = ConcurrentHashMap.newKeySet();

    /** A connection whose token expires (a {@link WsEndpoint}), as the expiry sweep sees it. */
    interface Expiring {
        /** Closes the connection (4001) if its token has expired by {@code nowMillis}; returns whether it is done with. */
        boolean expireIfDue(long nowMillis);
    }

    public WebSocketGateway(Node node, TokenVerifier verifier, Config config) {
        this.node = node;
        this.verifier = verifier;
        this.config = config;
        this.slots = new UserSlots(config.maxConnectionsPerUser());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threads("socket-server-ws-control"));
        pool.allowCoreThreadTimeOut(true);
        this.control = pool;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, threads("socket-server-ws-timer"));
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
        this.pools = new SessionTransport.Pools(control, t);
        t.scheduleWithFixedDelay(this::sweepExpired, EXPIRY_SWEEP_MILLIS, EXPIRY_SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    void trackExpiry(Expiring connection) {
        expiring.add(connection);
    }

    void untrackExpiry(Expiring connection) {
        expiring.remove(connection);
    }

    /**
     * Closes (4001) every connection whose token has expired. A periodic task, so it never
     * throws (one that throws is never run again): a connection whose close fails is logged and
     * no longer tracked (its client is marked closed before the transport is asked to close, so
     * a retry would do nothing), and the sweep goes on with the others; anything else is logged
     * and ends this sweep only.
     */
    void sweepExpired() {
        try {
            long now = System.currentTimeMillis();
            for (Expiring e : expiring) {
                try {
                    if (e.expireIfDue(now)) {
                        expiring.remove(e);
                    }
                } catch (RuntimeException failed) {
                    expiring.remove(e);
                    LOG.log(Level.WARNING, "closing a connection whose token expired failed; going on with the others", failed);
                }
            }
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "token expiry sweep failed; the next one runs as scheduled", t);
        }
    }

    private static java.util.concurrent.ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread th = new Thread(r, prefix + "-" + n.incrementAndGet());
            th.setDaemon(true);
            return th;
        };
    }

    /** Maps the handshake servlet at {@code /ws}. */
    public void install(ServletContext context) {
        ServletRegistration.Dynamic reg = context.addServlet("socket-server-ws", new UpgradeServlet(this));
        reg.addMapping("/ws");
        reg.setAsyncSupported(true);
        reg.setLoadOnStartup(1);
        if (config.wsWritePath() == Config.WritePath.AUTO) {
            JettyTrim.skipCdiDecoration(context, WsEndpoint.class, UpgradeServlet.configuratorClass());
        }
    }

    /** Idle limit for a connection: generous next to the heartbeat, which does the real work. */
    long maxIdleMillis() {
        return config.pingInterval().plus(config.pongTimeout()).multipliedBy(2).toMillis();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        control.shutdown();
        try {
            // Tomcat reports threads still alive right after undeploy as leaks.
            timer.awaitTermination(2, TimeUnit.SECONDS);
            if (!control.awaitTermination(config.shutdownTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                control.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            control.shutdownNow();
        }
    }
}
