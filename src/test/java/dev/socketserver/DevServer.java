package dev.socketserver;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.Tokens;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The quick start ({@code mvn -Pdev}): the real WAR in embedded Jetty on HTTP_PORT (3003) and
 * GRPC_PORT (9003), each serving HTTP, WebSocket and h2c gRPC. Dev defaults only: a documented
 * JWT secret and API_INSECURE=true. Environment variables override them. Prints ready-to-use
 * tokens for the demo users. Stopped by the JVM's shutdown (Ctrl-C, SIGTERM): a shutdown hook
 * undeploys the app and stops Jetty; {@code mvn -Pdev} runs this class in Maven's own JVM so that
 * nothing outlives the signal or prints after the server's lines ({@code DevServerIT}).
 *
 * <p>Jetty's thread pool is capped at {@code JETTY_MAX_THREADS} (default {@value #DEFAULT_MAX_THREADS};
 * Jetty's own default is 200). Every 25 s the heartbeat pings all idle connections and their
 * pongs arrive together: with 10,000 connections Jetty grew its pool to 200 threads for that
 * burst (and kept them, the next burst coming before its 60 s idle timeout), ~24 MB of thread
 * stacks, 2.4 KB per connection. The server blocks no Jetty thread for long (pings and closes
 * run on its own pool, gRPC is asynchronous), so a small pool just queues the burst.
 */
public final class DevServer {
    /** Documented in the README; never use it outside local development. */
    public static final String DEV_SECRET = "dev-secret-change-me-0123456789abcdef";
    static final int DEFAULT_MAX_THREADS = 32;

    private DevServer() {
    }

    public static void main(String[] args) throws Exception {
        int httpPort = Integer.parseInt(env("HTTP_PORT", "3003"));
        int grpcPort = Integer.parseInt(env("GRPC_PORT", "9003"));
        String secret = env("AUTH_JWT_SECRET", DEV_SECRET);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("AUTH_JWT_SECRET", DEV_SECRET);
        settings.put("API_INSECURE", "true");
        settings.put("HANDSHAKE_TIMEOUT", env("HANDSHAKE_TIMEOUT", "10s"));
        settings.put("DEMO_ENABLED", env("DEMO_ENABLED", "true"));
        EmbeddedJetty server = EmbeddedJetty.start(EmbeddedJetty.war(), settings, httpPort, grpcPort);
        int maxThreads = Integer.parseInt(env("JETTY_MAX_THREADS", Integer.toString(DEFAULT_MAX_THREADS)));
        if (server.server().getThreadPool() instanceof QueuedThreadPool pool) {
            pool.setMaxThreads(Math.max(pool.getMinThreads(), maxThreads));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server), "dev-server-stop"));
        System.out.println();
        System.out.println("socket-server (dev) is up: http/ws/grpc on :" + server.port(0) + " and :" + server.port(1));
        String demoToken = null;
        for (String user : new String[] {"alice", "bob"}) {
            String token = Tokens.hs256(secret, c -> c.subject(user)
                    .expirationTime(Date.from(Instant.now().plusSeconds(24 * 3600))));
            demoToken = demoToken == null ? token : demoToken;
            System.out.println("  " + user + ": ws://localhost:" + server.port(0) + "/ws?t=" + token);
        }
        if (Boolean.parseBoolean(settings.get("DEMO_ENABLED"))) {
            System.out.println("  demo page (as alice): http://localhost:" + server.port(0) + "/demo/?room=orders&t=" + demoToken);
        }
        System.out.println("Ctrl-C stops it.");
        // Only the JVM's shutdown (Ctrl-C, SIGTERM) ends the server. main never returns, so a
        // launcher running it in-process (mvn -Pdev, exec:java) has nothing to report after the
        // server's own shutdown lines.
        new CountDownLatch(1).await();
    }

    /** Undeploys (every WebSocket closed with 1001) and stops Jetty; a failure is one line, not a trace. */
    private static void stop(EmbeddedJetty server) {
        try {
            server.close();
            System.out.println("socket-server (dev) stopped");
        } catch (Exception e) {
            System.out.println("socket-server (dev) stopped with an error: " + e);
        }
    }

    private static String env(String name, String def) {
        String v = System.getProperty(name, System.getenv(name));
        return v == null || v.isBlank() ? def : v;
    }
}
