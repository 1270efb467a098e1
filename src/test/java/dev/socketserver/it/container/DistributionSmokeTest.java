package dev.socketserver.it.container;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HandshakeRace;
import dev.socketserver.testing.HttpApi;
import dev.socketserver.testing.MetricsScrape;
import dev.socketserver.testing.RawWebSocket;
import dev.socketserver.testing.SessionChurn;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.HistoryRequest;
import dev.socketserver.transport.grpc.proto.HistoryResponse;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import dev.socketserver.transport.grpc.proto.PresenceStatsRequest;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The smoke test every stock container must pass with the WAR deployed as ROOT: WebSocket and
 * gRPC on one port, room / private / broadcast delivery, 401 before the upgrade, fragmented and
 * oversized inbound messages, gRPC on the
 * second port, and a clean stop (1001 to every client, no leak warnings). The stop test runs
 * last; the server is stopped in {@link #stopServer()} in any case.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class DistributionSmokeTest extends StockContainerTest {
    /** Tomcat's warnings when an undeployed webapp left threads or ThreadLocals behind. */
    static final List<String> LEAK_WARNINGS = List.of("appears to have started a thread", "memory leak");



    /** The write path the server must report on its first connection. */
    abstract String expectedWritePath();

    /** Whether the server must report that it trims idle sessions ({@code JettyTrim}: Jetty 12.1, {@code WS_WRITE_PATH=auto}). */
    abstract boolean expectsTrimmedSessions();

    /**
     * Whether the container registers its request thread pool as a JMX bean without extra
     * configuration (Tomcat does; the Jetty base here runs without the {@code jmx} module), so
     * {@code /metrics} reports it.
     */
    boolean publishesThreadPoolBeans() {
        return false;
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
        assertFalse(server.log().contains("WS_WRITE_PATH=portable selects that on purpose"), "a container shortcut reported it is off");
        assertEquals(expectsTrimmedSessions(), server.log().contains("WebSocket sessions trimmed for idle memory"),
                "idle-session trims in the log");
        // The Jetty base has ee10-cdi, whose decorator would otherwise give every endpoint a Weld injection target.
        assertEquals(expectsTrimmedSessions(), server.log().contains("WebSocket endpoints are not decorated by Jetty's CDI"),
                "CDI decoration of endpoints skipped in the log");
        // HEAP_GIVE_BACK is opt-in: a webapp leaves its container's JVM flags alone by default.
        assertEquals(heapGiveBack(), server.log().contains(HEAP_GIVE_BACK_LINE), "heap give-back line in the log");
        assertEquals(heapGiveBack() ? 1 : 0, server.log().split("JVM heap give-back", -1).length - 1, "heap give-back lines");
        String flags = jvmFlags();
        for (String flag : List.of("MinHeapFreeRatio=10", "MaxHeapFreeRatio=20", "G1PeriodicGCInterval=60000")) {
            assertEquals(heapGiveBack(), flags.contains("-XX:" + flag), flag + " in the container JVM's flags: " + flags);
        }
    }

    static final String HEAP_GIVE_BACK_LINE = "JVM heap give-back: set MinHeapFreeRatio=10, MaxHeapFreeRatio=20, "
            + "G1PeriodicGCInterval=60000 for the whole JVM (HEAP_GIVE_BACK=true; they were at the JVM's defaults)";

    /** Whether the server runs with {@code HEAP_GIVE_BACK=true} (the default is false). */
    boolean heapGiveBack() {
        return false;
    }

    /** The container JVM's non-default flags, as {@code jcmd <pid> VM.flags} prints them. */
    String jvmFlags() {
        try {
            Process jcmd = new ProcessBuilder(DistributionServer.java().replaceFirst("java$", "jcmd"), String.valueOf(server.pid()), "VM.flags")
                    .redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(jcmd.waitFor(30, TimeUnit.SECONDS) && jcmd.exitValue() == 0, "jcmd VM.flags: " + out);
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
     * A unary answer is written when the call completes (one write); one larger than the
     * container's buffers (here about 1.2 MB of history) must still arrive whole, in order.
     */
    @Test
    @Order(7)
    void aUnaryAnswerLargerThanTheContainersBuffersArrivesWhole() {
        String room = "big-" + UUID.randomUUID();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String body = String.valueOf((char) ('a' + i)).repeat(400_000);
            bodies.add(body);
            grpc.stub().publish(PublishRequest.newBuilder().setMessage(GrpcClient.info("big-" + i, body)).setRoom(room).build());
        }
        HistoryResponse history = grpc.stub().history(HistoryRequest.newBuilder().setRoom(room).build());
        assertEquals(3, history.getPublicationsCount());
        for (int i = 0; i < 3; i++) {
            assertEquals("big-" + i, history.getPublications(i).getEntityId());
            assertEquals(bodies.get(i), history.getPublications(i).getMessage().getStringValue());
        }
        assertEquals(3, history.getPosition().getOffset());
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
    @Order(8)
    void sessionsThatCloseNeverDisturbTheOthers() throws Exception {
        SessionChurn.run(server::wsUrl, grpc, 3, 40, 200);
    }

    @Test
    @Order(9)
    void readersThatStopAreClosedWithoutHoldingBackTheOthers() throws Exception {
        String room = "stall-" + UUID.randomUUID();
        int stalledReaders = 4; // more than the writer threads (one per core, at least 2)
        List<RawWebSocket> stalled = new ArrayList<>();
        try (WsClient honest = connect(user())) {
            honest.enter(room);
            for (int i = 0; i < stalledReaders; i++) {
                RawWebSocket s = RawWebSocket.connect(server.httpPort(), "/ws?t=" + Tokens.forUser(user()), Map.of());
                stalled.add(s);
                s.sendText("{\"action\":\"enter\",\"room\":\"" + room + "\"}");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> members(room) == 1 + stalledReaders);
            // They never read: their socket buffers fill, then their queues pass CLIENT_QUEUE_MAX_BYTES.
            String body = "y".repeat(4096);
            int sent = 0;
            while (members(room) > 1) {
                for (int i = 0; i < 50; i++) {
                    grpc.stub().notifyRoom(MessageWithRoom.newBuilder()
                            .setBase(GrpcClient.info("s" + sent++, body)).setRoom(room).build());
                }
                // Meanwhile the honest reader gets everything, each round within WsClient's timeout:
                // no writer thread is held by the stalled ones.
                for (int i = sent - 50; i < sent; i++) {
                    assertEquals("s" + i, honest.nextJson(o -> o.containsKey("entityId")).getString("entityId"),
                            "the reading client lost or waited for a notification");
                }
                assertTrue(sent < 20_000, "the stalled readers were never closed");
            }
            for (RawWebSocket s : stalled) {
                // Reading again, each finds what fitted in its socket buffers, then the 4002 close
                // (or the end of the socket, if the close frame could not be written any more).
                int close;
                try {
                    close = s.awaitClose(Duration.ofSeconds(30));
                } catch (IOException reset) {
                    close = -1;
                }
                assertTrue(close == 4002 || close == -1, "close code " + close);
            }
        } finally {
            for (RawWebSocket s : stalled) {
                s.close();
            }
        }
    }

    private int members(String room) {
        return grpc.stub().presenceStats(PresenceStatsRequest.newBuilder().setRoom(room).build()).getNumClients();
    }

    /**
     * Default settings in a stock container: a dashboard enters MAX_ROOMS_PER_CONNECTION (128)
     * rooms right after connecting, one command each, and is not rate-limited; a flood of other
     * commands is, and each refusal answers with the command's id.
     */
    @Test
    @Order(10)
    void aClientEntersItsRoomsAtConnectAndRefusalsCarryTheCommandId() {
        String prefix = "dash-" + UUID.randomUUID() + "-";
        try (WsClient c = connect(user())) {
            for (int i = 0; i < 128; i++) {
                c.send("{\"id\":" + i + ",\"action\":\"enter\",\"room\":\"" + prefix + i + "\"}");
            }
            for (int i = 0; i < 128; i++) {
                JsonObject reply = c.nextJson(o -> o.containsKey("id"));
                assertTrue(reply.getBoolean("ok", false), reply.toString());
                assertEquals(prefix + reply.getInt("id"), reply.getString("room"));
            }
            // More pings than the burst (CLIENT_COMMAND_BURST=100) in one go: some are refused.
            for (int i = 0; i < 150; i++) {
                c.send("{\"id\":\"p" + i + "\",\"action\":\"ping\"}");
            }
            JsonObject refused = c.nextJson(o -> o.containsKey("error"));
            assertEquals("too_many_requests", refused.getJsonObject("error").getString("code"), refused.toString());
            assertTrue(refused.getString("id", "").matches("p\\d+"), "the refusal carries its command's id: " + refused);
        }
    }

    /** Probes carry no key; grpc-services' health classes load from the jars the WAR ships. */
    @Test
    @Order(11)
    void healthProbesAnswerReadyWithoutAKey() throws Exception {
        HttpApi.Response ready = HttpApi.get(server.httpPort(), "/health/ready");
        assertEquals(200, ready.status());
        assertTrue(ready.body().getBoolean("ready"), ready.body().toString());
        assertEquals("serving", ready.body().getString("state"));
        assertEquals(200, HttpApi.get(server.httpPort(), "/health/live").status());
        assertEquals(ServingStatus.SERVING, grpc.health(""));
        assertEquals(ServingStatus.SERVING, grpc.health("notifications.NotificationService"));
        assertEquals(ServingStatus.SERVING, grpc.watchHealth("notificationspb.NotificationService")
                .poll(10, TimeUnit.SECONDS));
    }

    /**
     * The Prometheus client loads from the jars the WAR ships and {@code /metrics} counts what the
     * tests before did: accepted and refused (401) handshakes, deliveries, gRPC calls.
     */
    @Test
    @Order(12)
    void metricsAnswerWithTheKeyAndCountedTheTrafficBefore() {
        assertEquals(401, MetricsScrape.get(server.httpPort(), null, null).status());
        MetricsScrape m = MetricsScrape.get(server.httpPort());
        assertEquals(200, m.status());
        assertTrue(m.contentType().startsWith("text/plain"), m.contentType());
        assertTrue(m.require("socketserver_handshakes_total{result=\"ok\"}") > 0, "accepted handshakes");
        assertTrue(m.require("socketserver_handshakes_total{result=\"401\"}") >= 1, "the 401 handshake");
        assertTrue(m.require("socketserver_deliveries_total") > 0, "deliveries");
        assertTrue(m.require("socketserver_outbound_bytes_total") > 0, "outbound bytes");
        assertTrue(m.value("socketserver_api_calls_total{api=\"grpc\",method=\"NotifyRoom\",status=\"OK\"}") > 0,
                "gRPC NotifyRoom calls");
        assertTrue(m.require("jvm_threads_current") > 0, "JVM metrics");
        if (publishesThreadPoolBeans()) {
            String pool = m.samples().keySet().stream().filter(k -> k.startsWith("socketserver_container_pool_threads{"))
                    .findFirst().orElseThrow(() -> new AssertionError("no container pool in:\n" + m.body()));
            String labels = pool.substring(pool.indexOf('{'));
            assertTrue(m.require(pool) > 0, pool);
            assertTrue(m.require("socketserver_container_pool_max_threads" + labels) >= m.require(pool), labels);
            assertTrue(m.require("socketserver_container_pool_busy_threads" + labels) >= 0, labels);
        }
        MetricsScrape open = MetricsScrape.get(server.httpPort(), "Bearer " + GrpcClient.API_KEY,
                "application/openmetrics-text; version=1.0.0");
        assertTrue(open.body().endsWith("# EOF\n"), "OpenMetrics when asked");
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
