package dev.socketserver.transport.websocket;

import dev.socketserver.auth.TokenVerifier;
import dev.socketserver.config.Config;
import dev.socketserver.node.Node;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything the WebSocket edge shares across connections: the node, the verifier, the
 * command codec and two small pools (one for pings and closes, which may block, one timer
 * for token expiry). Installs the {@code /ws} servlet.
 */
public final class WebSocketGateway implements AutoCloseable {
    final Node node;
    final TokenVerifier verifier;
    final Config config;
    final CommandCodec codec = new CommandCodec();
    final ExecutorService control;
    final ScheduledExecutorService timer;

    public WebSocketGateway(Node node, TokenVerifier verifier, Config config) {
        this.node = node;
        this.verifier = verifier;
        this.config = config;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threads("socket-server-ws-control"));
        pool.allowCoreThreadTimeOut(true);
        this.control = pool;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, threads("socket-server-ws-timer"));
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
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
