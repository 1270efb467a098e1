package dev.socketserver.it.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HandshakeRace;
import dev.socketserver.testing.HttpApi;
import dev.socketserver.testing.RawWebSocket;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import jakarta.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The smoke test every stock container must pass with the WAR deployed as ROOT: WebSocket and
 * gRPC on one port, room / private / broadcast delivery, 401 before the upgrade, fragmented and
 * oversized inbound messages, gRPC on the
 * second port, and a clean stop (1001 to every client, no leak warnings). The stop test runs
 * last; the server is stopped in {@link #stopServer()} in any case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class DistributionSmokeTest {
    /** Tomcat's warnings when an undeployed webapp left threads or ThreadLocals behind. */
    static final List<String> LEAK_WARNINGS = List.of("appears to have started a thread", "memory leak");

    DistributionServer server;
    GrpcClient grpc;

    /** A new, not yet started server. */
    abstract DistributionServer newServer();

    /** The write path the server must report on its first connection. */
    abstract String expectedWritePath();

    /** Whether the server must report that it trims idle sessions ({@code JettyTrim}: Jetty 12.1 only). */
    abstract boolean expectsTrimmedSessions();

    @BeforeAll
    void startServer() throws Exception {
        server = newServer();
        try {
            server.start();
        } catch (RuntimeException | Error e) {
            server.stop();
            throw e;
        }
        grpc = new GrpcClient(server.httpPort());
    }

    @AfterAll
    void stopServer() throws Exception {
        try {
            if (grpc != null) {
                grpc.close();
            }
        } finally {
            if (server != null) {
                server.stop();
            }
        }
    }

    static String user() {
        return "u-" + UUID.randomUUID();
    }

    WsClient connect(String user) {
        return WsClient.connect(server.wsUrl(Tokens.forUser(user))).ready();
    }

    @Test
    @Order(1)
    void webSocketAndGrpcOnOnePortDeliverToRoomMembers() {
        String room = "room-" + UUID.randomUUID();
        try (WsClient member = connect(user()); WsClient other = connect(user())) {
            assertTrue(member.enter(room).getBoolean("ok"));
            // grpc talks h2c to the very port the WebSocket clients connected to.
            grpc.stub().notifyRoom(MessageWithRoom.newBuilder()
                    .setBase(GrpcClient.info("e-room", "to the room")).setRoom(room).build());
            JsonObject n = member.nextJson(o -> "e-room".equals(o.getString("entityId", null)));
            assertEquals(room, n.getString("room"));
            assertEquals("to the room", n.getString("message"));
            assertEquals("info", n.getString("type"));
            // A later broadcast is the first thing the non-member sees (it got no room message).
            grpc.stub().broadcast(GrpcClient.info("marker-" + room, "m"));
            assertEquals("marker-" + room, other.nextJson().getString("entityId"));
        }
        assertTrue(server.log().contains("WebSocket writes: " + expectedWritePath()), "write path in the log");
        assertEquals(expectsTrimmedSessions(), server.log().contains("WebSocket sessions trimmed for idle memory"),
                "idle-session trims in the log");
        // The Jetty base has ee10-cdi, whose decorator would otherwise give every endpoint a Weld injection target.
        assertEquals(expectsTrimmedSessions(), server.log().contains("WebSocket endpoints are not decorated by Jetty's CDI"),
                "CDI decoration of endpoints skipped in the log");
        // HEAP_GIVE_BACK is opt-in: a webapp leaves its container's JVM flags alone by default.
        assertFalse(server.log().contains("JVM heap give-back"), "no heap give-back in the log");
    }

    @Test
    @Order(2)
    void fortyConcurrentHandshakesOfOneUserOpenExactlyTheLimit() throws Exception {
        HandshakeRace.assertExactLimit(server.httpPort(), user(), 8 * DistributionServer.MAX_CONNECTIONS_PER_USER,
                DistributionServer.MAX_CONNECTIONS_PER_USER);
    }

    @Test
    @Order(2)
    void privateNotifyReachesEveryConnectionOfTheUser() {
        String alice = user();
        try (WsClient tab1 = connect(alice); WsClient tab2 = connect(alice); WsClient bob = connect(user())) {
            grpc.stub().privateNotify(MessageWithUser.newBuilder()
                    .setBase(GrpcClient.info("p-1", "for alice")).setUserId(alice).build());
            assertEquals("for alice", tab1.nextJson().getString("message"));
            assertEquals("for alice", tab2.nextJson().getString("message"));
            grpc.stub().broadcast(GrpcClient.info("marker-bob", "m"));
            assertEquals("marker-bob", bob.nextJson().getString("entityId"));
        }
    }

    @Test
    @Order(3)
    void broadcastReachesEveryConnection() {
        try (WsClient a = connect(user()); WsClient b = connect(user())) {
            grpc.stub().broadcast(GrpcClient.info("b-1", "hello all"));
            for (WsClient c : List.of(a, b)) {
                JsonObject n = c.nextJson(o -> "b-1".equals(o.getString("entityId", null)));
                assertEquals("hello all", n.getString("message"));
                assertFalse(n.containsKey("room"));
            }
        }
    }

    @Test
    @Order(4)
    void handshakeWithoutTokenGets401() {
        String url = "ws://127.0.0.1:" + server.httpPort() + "/ws";
        assertEquals(401, WsClient.handshakeStatus(url, Map.of()));
        assertEquals(401, WsClient.handshakeStatus(url + "?t=garbage", Map.of()));
        assertEquals(101, WsClient.handshakeStatus(url + "?t=" + Tokens.forUser("ok"), Map.of()));
    }

    @Test
    @Order(5)
    void grpcWorksOnTheSecondPortToo() throws Exception {
        String alice = user();
        try (WsClient c = connect(alice); GrpcClient second = new GrpcClient(server.secondPort())) {
            second.stub().privateNotify(MessageWithUser.newBuilder()
                    .setBase(GrpcClient.info("p-2", "via the second port")).setUserId(alice).build());
            assertEquals("via the second port", c.nextJson().getString("message"));
        }
    }

    @Test
    @Order(6)
    void fragmentedTextIsReassembledBinaryIsRefusedAndOversizedMessagesClose1009() throws Exception {
        try (RawWebSocket raw = RawWebSocket.connect(server.httpPort(), "/ws?t=" + Tokens.forUser(user()), Map.of())) {
            assertEquals(101, raw.status());
            // A command in three fragments, two of them ending inside a multi-byte character.
            byte[] msg = "{\"id\":\"\u00e9\u20ac\",\"action\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
            raw.send(RawWebSocket.TEXT, Arrays.copyOfRange(msg, 0, 8), false);
            raw.send(0, Arrays.copyOfRange(msg, 8, 11), false);
            raw.send(0, Arrays.copyOfRange(msg, 11, msg.length), true);
            JsonObject pong = WsClient.parse(raw.nextTextOrClose().text());
            assertTrue(pong.getBoolean("ok"), pong.toString());
            assertEquals("\u00e9\u20ac", pong.getString("id"));
            raw.send(RawWebSocket.BINARY, new byte[] {1, 2, 3}, true);
            JsonObject refused = WsClient.parse(raw.nextTextOrClose().text());
            assertEquals("bad_request", refused.getJsonObject("error").getString("code"));
            // 3 x 30,000 bytes: each fragment is allowed, the message (over 64 KiB) is not.
            byte[] part = "x".repeat(30_000).getBytes(StandardCharsets.UTF_8);
            raw.send(RawWebSocket.TEXT, part, false);
            raw.send(0, part, false);
            raw.send(0, part, true);
            assertEquals(1009, raw.awaitClose(Duration.ofSeconds(10)));
        }
    }

    /**
     * The WAR leaves out jars that nothing loads (pom.xml, {@code packagingExcludes}); here, unlike
     * in embedded Jetty, no class path behind the webapp could make up for one that was needed.
     */
    @Test
    @Order(7)
    void reflectionAndTheHttpApiRunOnTheJarsTheWarShips() {
        List<String> services = grpc.reflectedServices();
        assertTrue(services.contains("notifications.NotificationService"), services.toString());
        List<ServerReflectionResponse> file = grpc.reflect(ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("notifications.NotificationService").build());
        assertFalse(file.get(0).getFileDescriptorResponse().getFileDescriptorProtoList().isEmpty(), file.toString());
        HttpApi.Response info = HttpApi.post(server.httpPort(), "Info", "{}");
        assertEquals(200, info.status());
        assertFalse(info.body().getString("nodeId").isEmpty());
        // Error bodies are bound by JSON-B (Yasson).
        HttpApi.Response noKey = HttpApi.send(server.httpPort(), "Info", "POST", "{}", null);
        assertEquals(401, noKey.status());
        assertEquals("unauthorized", noKey.body().getJsonObject("error").getString("code"));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void stopClosesEveryWebSocketWith1001AndLeavesNoLeaks() throws Exception {
        String room = "bye-" + UUID.randomUUID();
        try (WsClient a = connect(user()); WsClient b = connect(user())) {
            a.enter(room);
            grpc.stub().broadcast(GrpcClient.info("before-stop", "m"));
            assertEquals("before-stop", a.nextJson(o -> o.containsKey("entityId")).getString("entityId"));
            assertEquals("before-stop", b.nextJson().getString("entityId"));

            DistributionServer.StopResult stop = server.stop();

            assertTrue(stop.graceful(), server.name() + " needed a kill after SIGTERM; log " + server.logFile());
            assertEquals(1001, a.awaitClose(), "close code; log " + server.logFile());
            assertEquals(1001, b.awaitClose(), "close code; log " + server.logFile());
        }
        String log = server.log();
        assertTrue(log.contains("socket-server started"), "the app's start line is missing from " + server.logFile());
        List<String> leaks = log.lines()
                .filter(l -> LEAK_WARNINGS.stream().anyMatch(w -> l.toLowerCase(Locale.ROOT).contains(w)))
                .toList();
        assertTrue(leaks.isEmpty(), "leak warnings in " + server.logFile() + ":\n" + String.join("\n", leaks));
    }
}
