package dev.socketserver;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.Tokens;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The quick start ({@code mvn -Pdev}): the real WAR in embedded Jetty on HTTP_PORT (3003) and
 * GRPC_PORT (9003), each serving HTTP, WebSocket and h2c gRPC. Dev defaults only: a documented
 * JWT secret and API_INSECURE=true. Environment variables override them. Prints ready-to-use
 * tokens for the demo users.
 */
public final class DevServer {
    /** Documented in the README; never use it outside local development. */
    public static final String DEV_SECRET = "dev-secret-change-me-0123456789abcdef";

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
        EmbeddedJetty server = EmbeddedJetty.start(EmbeddedJetty.war(), settings, httpPort, grpcPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }));
        System.out.println();
        System.out.println("socket-server (dev) is up: http/ws/grpc on :" + server.port(0) + " and :" + server.port(1));
        for (String user : new String[] {"alice", "bob"}) {
            String token = Tokens.hs256(secret, c -> c.subject(user)
                    .expirationTime(Date.from(Instant.now().plusSeconds(24 * 3600))));
            System.out.println("  " + user + ": ws://localhost:" + server.port(0) + "/ws?t=" + token);
        }
        System.out.println("Ctrl-C stops it.");
        stopped.await();
    }

    private static String env(String name, String def) {
        String v = System.getProperty(name, System.getenv(name));
        return v == null || v.isBlank() ? def : v;
    }
}
