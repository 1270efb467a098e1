package dev.socketserver.bootstrap;

import dev.socketserver.auth.ApiKeys;
import dev.socketserver.auth.TokenVerifier;
import dev.socketserver.auth.TokenVerifiers;
import dev.socketserver.config.Config;
import dev.socketserver.config.ConfigException;
import dev.socketserver.metrics.PrometheusMetrics;
import dev.socketserver.node.Node;
import dev.socketserver.node.NodeOptions;
import dev.socketserver.stats.Stats;
import dev.socketserver.transport.demo.DemoServlet;
import dev.socketserver.transport.grpc.GrpcEndpoint;
import dev.socketserver.transport.api.BackendApi;
import dev.socketserver.transport.grpc.NotificationGrpcService;
import dev.socketserver.transport.http.HealthServlet;
import dev.socketserver.transport.http.HttpApiServlet;
import dev.socketserver.transport.http.MetricsServlet;
import dev.socketserver.transport.http.UnwantedBodies;
import dev.socketserver.transport.websocket.WebSocketGateway;
import jakarta.servlet.ServletContext;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The running application: configuration, node and both edges. Start-up order is
 * configuration, node, gRPC, HTTP, WebSocket, health; only then is the node ready.
 * {@link #stop()} drains in the order DESIGN.md asks: refuse new handshakes and calls, let
 * in-flight RPCs finish, close every WebSocket with 1001, stop the executors.
 */
final class Application {
    private static final Logger LOG = Logger.getLogger(Application.class.getName());

    private final Config config;
    private final Node node;
    private final GrpcEndpoint grpc;
    private final WebSocketGateway ws;
    private final TokenVerifier verifier;
    private boolean stopped;

    Application(ServletContext context) {
        config = Config.load(Config.standardSource(context::getInitParameter));
        LOG.info("settings: " + ConfigDump.json(config));
        TokenVerifier configured;
        try {
            configured = TokenVerifiers.fromSettings(config.jwtSecret(), config.jwtPublicKey(),
                    config.jwksUrl(), config.jwtAudience(), config.jwtIssuer());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of(e.getMessage()));
        }
        if (configured == null) {
            LOG.warning("no connection authentication is configured (set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY "
                    + "or AUTH_JWKS_URL): every WebSocket connection will be refused with 401");
            configured = TokenVerifier.refuseAll("authentication is not configured on the server");
        } else {
            LOG.info("connection authentication: " + configured);
        }
        verifier = configured;
        if (config.heapGiveBack()) {
            List<String> set = HeapGiveBack.apply();
            if (!set.isEmpty()) {
                LOG.info("JVM heap give-back: set " + String.join(", ", set)
                        + " for the whole JVM (HEAP_GIVE_BACK=true; they were at the JVM's defaults)");
            }
        }
        Engine engine = Engine.of(config);
        LOG.info("broker: " + engine.description() + "; node id " + config.nodeId());
        node = new Node(config.nodeId(), new NodeOptions(config.clientQueueMaxBytes(), config.pingInterval(),
                config.pongTimeout(), config.maxRoomsPerConnection(), config.maxConnections(),
                config.maxConnectionsPerUser(), config.writerThreads(), config.publishBacklogBytes(), config.presenceTtl()),
                engine.broker(), engine.presence(), config.history(), config.presenceEventRooms(),
                config.metricsEnabled() ? Stats.create() : Stats.disabled());
        ApiKeys apiKeys = new ApiKeys(config.apiKeys(), config.apiInsecure());
        BackendApi api = new BackendApi(node);
        new UnwantedBodies().install(context);
        grpc = new GrpcEndpoint(node, new NotificationGrpcService(api), apiKeys, config);
        grpc.install(context);
        new HttpApiServlet(api, apiKeys, new HttpApiServlet.Limits(config.maxPublishBytes(),
                config.apiBodyTimeout(), config.apiMaxInFlight()), node.stats()).install(context);
        ws = new WebSocketGateway(node, verifier, config);
        ws.install(context);
        new HealthServlet(node).install(context);
        if (config.metricsEnabled()) {
            new MetricsServlet(new PrometheusMetrics(node), apiKeys, config.metricsPublic()).install(context);
        }
        if (config.demoEnabled()) {
            DemoServlet.install(context);
        }
        node.markServing();
        LOG.info("socket-server started: WebSocket at /ws (token parameter '" + config.tokenKey()
                + "'), gRPC notifications.NotificationService and notificationspb.NotificationService");
    }

    Node node() {
        return node;
    }

    /** Idempotent. */
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        try {
            node.startDraining();
            grpc.startDraining();
            grpc.shutdown(config.shutdownTimeout());
            node.close();
            ws.close();
            verifier.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "error during shutdown", e);
        }
    }
}
