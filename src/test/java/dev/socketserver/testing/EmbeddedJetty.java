package dev.socketserver.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketConfiguration;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The real WAR ({@code target/socket-server.war}, built by {@code mvn package}) deployed as ROOT
 * in embedded Jetty 12. Each connector speaks HTTP/1.1, WebSocket and h2c (gRPC) on one port.
 * Settings reach the app as servlet context parameters, so tests never touch the environment.
 */
public final class EmbeddedJetty implements AutoCloseable {
    private final Server server;
    private final List<ServerConnector> connectors = new ArrayList<>();
    private final WebAppContext webapp;

    private EmbeddedJetty(Path war, Map<String, String> settings, int... ports) throws Exception {
        server = new Server();
        // HANDSHAKE_TIMEOUT is a connector setting: connections that send nothing are dropped (idle
        // timeout), and a request head must be complete within it (RequestHeadDeadline).
        long idleMillis = java.time.Duration.parse("PT" + settings.getOrDefault("HANDSHAKE_TIMEOUT", "10s")
                .toUpperCase(java.util.Locale.ROOT)).toMillis();
        for (int port : ports) {
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(http);
            h2c.setMaxConcurrentStreams(1000);
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http), h2c);
            connector.setHost("127.0.0.1");
            connector.setIdleTimeout(idleMillis);
            connector.addEventListener(new RequestHeadDeadline(connector.getScheduler(), java.time.Duration.ofMillis(idleMillis)));
            connector.setPort(port);
            server.addConnector(connector);
            connectors.add(connector);
        }
        webapp = new WebAppContext();
        webapp.setContextPath("/");
        webapp.setWar(war.toString());
        webapp.setTempDirectory(Files.createTempDirectory("socket-server-jetty").toFile());
        webapp.addConfiguration(new AnnotationConfiguration(), new JakartaWebSocketConfiguration());
        // The test classpath carries Weld and the CDI API too (the WAR's compile dependencies);
        // the webapp must use its own copies, as it does in a stock container.
        webapp.addHiddenClassMatcher(new org.eclipse.jetty.util.ClassMatcher("jakarta.enterprise.", "jakarta.inject.", "jakarta.interceptor.",
                "jakarta.decorator.", "org.jboss.weld.", "jakarta.json.", "org.eclipse.yasson.",
                "org.eclipse.parsson.", "jakarta.el."));
        settings.forEach(webapp::setInitParameter);
        webapp.setThrowUnavailableOnStartupException(true);
        server.setHandler(webapp);
        server.setStopTimeout(15_000);
        server.start();
    }

    /** Starts the WAR on an ephemeral port. */
    public static EmbeddedJetty start(Map<String, String> settings) throws Exception {
        return new EmbeddedJetty(war(), settings, 0);
    }

    /** Starts the WAR on the given ports (0 = ephemeral), e.g. HTTP_PORT and GRPC_PORT. */
    public static EmbeddedJetty start(Path war, Map<String, String> settings, int... ports) throws Exception {
        return new EmbeddedJetty(war, settings, ports);
    }

    /** Settings most tests share: a JWT secret and one API key. */
    public static Map<String, String> defaults() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("AUTH_JWT_SECRET", Tokens.SECRET);
        s.put("API_KEYS", GrpcClient.API_KEY);
        return s;
    }

    public static Path war() {
        Path war = Path.of(System.getProperty("socketserver.war", "target/socket-server.war"));
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException(war + " is missing: run 'mvn package' (or 'mvn verify')");
        }
        return war;
    }

    public int port() {
        return connectors.get(0).getLocalPort();
    }

    public int port(int connector) {
        return connectors.get(connector).getLocalPort();
    }

    public String wsUrl(String token) {
        return "ws://127.0.0.1:" + port() + "/ws" + (token == null ? "" : "?t=" + token);
    }

    public Server server() {
        return server;
    }

    /** Stops the server (undeploying the app: the app closes every WebSocket with 1001). */
    @Override
    public void close() throws Exception {
        server.stop();
    }
}
