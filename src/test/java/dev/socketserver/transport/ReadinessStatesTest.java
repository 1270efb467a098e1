package dev.socketserver.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.auth.ApiKeys;
import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.config.Config;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.node.Node;
import dev.socketserver.node.NodeOptions;
import dev.socketserver.presence.memory.MemoryPresenceManager;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HttpApi;
import dev.socketserver.transport.grpc.GrpcEndpoint;
import dev.socketserver.transport.api.BackendApi;
import dev.socketserver.transport.grpc.NotificationGrpcService;
import dev.socketserver.transport.http.HealthServlet;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every readiness state through the real health servlet and gRPC health service over HTTP and
 * h2c, on a real node in embedded Jetty in this JVM, so the test can move the node through the
 * states a deployed WAR reaches only after its container stopped routing to it (draining) or
 * with an engine that can fail.
 */
class ReadinessStatesTest {
    private static final Metadata.Key<String> ERROR_CODE = Metadata.Key.of("x-error-code", Metadata.ASCII_STRING_MARSHALLER);
    private Node node;
    private GrpcEndpoint grpc;
    private Server jetty;
    private GrpcClient client;
    private int port;

    @BeforeEach
    void start() throws Exception {
        node = new Node(NodeOptions.defaults(), new MemoryBroker(), new MemoryPresenceManager(),
                HistorySettings.defaults(), List.of());
        Config config = Config.load(Map.of("API_KEYS", GrpcClient.API_KEY)::get);
        grpc = new GrpcEndpoint(node, new NotificationGrpcService(new BackendApi(node)),
                new ApiKeys(config.apiKeys(), config.apiInsecure()), config);
        jetty = new Server();
        HttpConfiguration http = new HttpConfiguration();
        ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http),
                new HTTP2CServerConnectionFactory(http));
        connector.setHost("127.0.0.1");
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServletContainerInitializer((classes, servletContext) -> {
            grpc.install(servletContext);
            new HealthServlet(node).install(servletContext);
        });
        jetty.setHandler(context);
        jetty.start();
        port = connector.getLocalPort();
        client = new GrpcClient(port);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        grpc.shutdown(Duration.ZERO);
        node.close();
        jetty.stop();
    }

    @Test
    void startingIsLiveButNotReady() {
        assertNotReady("starting");
        assertEquals(ServingStatus.NOT_SERVING, client.health(""));
    }

    @Test
    void aLostEngineLinkMakesTheNodeNotReadyUntilItIsBack() throws Exception {
        node.markServing();
        BlockingQueue<ServingStatus> watched = client.watchHealth("notifications.NotificationService");
        assertEquals(ServingStatus.SERVING, watched.poll(10, TimeUnit.SECONDS));
        assertReady();

        node.engineLinkLost("the broker's engine link is down");
        assertEquals(ServingStatus.NOT_SERVING, watched.poll(10, TimeUnit.SECONDS));
        JsonObject body = assertNotReady("engine_unreachable");
        assertEquals("the broker's engine link is down", body.getString("reason"));
        assertEquals(ServingStatus.NOT_SERVING, client.health("notificationspb.NotificationService"));

        node.engineLinkRestored();
        assertEquals(ServingStatus.SERVING, watched.poll(10, TimeUnit.SECONDS));
        assertReady();
    }

    @Test
    void drainingAnswersHealthChecksWhileOtherCallsAreRefused() throws Exception {
        node.markServing();
        BlockingQueue<ServingStatus> watched = client.watchHealth("");
        assertEquals(ServingStatus.SERVING, watched.poll(10, TimeUnit.SECONDS));

        node.startDraining();
        grpc.startDraining();
        assertEquals(ServingStatus.NOT_SERVING, watched.poll(10, TimeUnit.SECONDS));
        assertNotReady("draining");
        assertEquals(ServingStatus.NOT_SERVING, client.health(""));
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> client.stub().broadcast(GrpcClient.info("e", "m")));
        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
        assertEquals("server is shutting down", refused.getStatus().getDescription());
        assertEquals("unavailable", refused.getTrailers().get(ERROR_CODE));
        // The old service's methods are refused alike.
        StatusRuntimeException oldRefused = assertThrows(StatusRuntimeException.class,
                () -> dev.socketserver.transport.grpc.proto.alias.NotificationServiceGrpc.newBlockingStub(client.channel())
                        .withCallCredentials(GrpcClient.bearer(GrpcClient.API_KEY))
                        .withDeadlineAfter(10, TimeUnit.SECONDS).broadcast(GrpcClient.info("e", "m")));
        assertEquals(Status.UNAVAILABLE.withDescription("server is shutting down").toString(), oldRefused.getStatus().toString());
        // A health watch is not an in-flight call: it does not hold the drain back.
        long started = System.nanoTime();
        grpc.shutdown(Duration.ofSeconds(20));
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10), "shutdown waited for the watch");
    }

    private void assertReady() {
        HttpApi.Response ready = HttpApi.get(port, "/health/ready");
        assertEquals(200, ready.status());
        assertTrue(ready.body().getBoolean("ready"));
        assertEquals("serving", ready.body().getString("state"));
        assertEquals(ServingStatus.SERVING, client.health(""));
    }

    private JsonObject assertNotReady(String state) {
        HttpApi.Response ready = HttpApi.get(port, "/health/ready");
        assertEquals(503, ready.status());
        assertFalse(ready.body().getBoolean("ready"));
        assertEquals(state, ready.body().getString("state"));
        HttpApi.Response live = HttpApi.get(port, "/health/live");
        assertEquals(200, live.status());
        assertTrue(live.body().getBoolean("live"));
        assertEquals(state, live.body().getString("state"));
        return ready.body();
    }
}
