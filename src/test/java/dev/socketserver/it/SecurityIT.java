package dev.socketserver.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.RawWebSocket;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.Message;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 3: every rejection gets its documented status, error code or close code, and an honest
 * client connected throughout keeps receiving (checked after every test).
 */
class SecurityIT {
    static EmbeddedJetty server;
    static GrpcClient grpc;
    static WsClient honest;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> s = EmbeddedJetty.defaults();
        s.put("ROOMS_POLICY", "claims");
        s.put("MAX_CONNECTIONS_PER_USER", "3");
        s.put("MAX_ROOMS_PER_CONNECTION", "5");
        s.put("CLIENT_COMMAND_RATE", "20");
        s.put("CLIENT_COMMAND_BURST", "10");
        s.put("WS_MAX_MESSAGE_BYTES", "4096");
        s.put("MAX_PUBLISH_BYTES", "16KiB");
        s.put("ALLOWED_ORIGINS", "https://app.example.com");
        s.put("PING_INTERVAL", "500ms");
        s.put("PONG_TIMEOUT", "500ms");
        s.put("HANDSHAKE_TIMEOUT", "1s");
        server = EmbeddedJetty.start(s);
        grpc = new GrpcClient(server.port());
        honest = WsClient.connect(server.wsUrl(token("honest", List.of("*"), 3600)));
        honest.enter("lobby");
    }

    @AfterEach
    void honestClientStillReceives() {
        String marker = "honest-" + UUID.randomUUID();
        grpc.stub().broadcast(GrpcClient.info(marker, "still here"));
        JsonObject n = honest.nextJson(o -> marker.equals(o.getString("entityId", null)));
        assertEquals("still here", n.getString("message"));
        assertFalse(honest.isClosed());
    }

    @AfterAll
    static void stop() throws Exception {
        honest.close();
        grpc.close();
        server.close();
    }

    static String token(String sub, List<String> rooms, long ttlSeconds) {
        return Tokens.hs256(Tokens.SECRET, c -> c.subject(sub).claim("rooms", rooms)
                .expirationTime(Date.from(Instant.now().plusSeconds(ttlSeconds))));
    }

    static String url(String token) {
        return server.wsUrl(token);
    }

    @Test
    void browserFromAnotherOriginGets403() {
        String t = token("o-" + UUID.randomUUID(), List.of(), 3600);
        assertEquals(403, WsClient.handshakeStatus(url(t), Map.of("Origin", "https://evil.example")));
        assertEquals(101, WsClient.handshakeStatus(url(t), Map.of("Origin", "https://app.example.com")));
        assertEquals(101, WsClient.handshakeStatus(url(t), Map.of()));
    }

    @Test
    void tokenProblemsGet401() {
        String base = "ws://127.0.0.1:" + server.port() + "/ws?t=";
        String expired = Tokens.hs256(Tokens.SECRET, c -> c.subject("x").expirationTime(Date.from(Instant.now().minusSeconds(60))));
        assertEquals(401, WsClient.handshakeStatus(base + expired, Map.of()));
        String notYet = Tokens.hs256(Tokens.SECRET, c -> c.subject("x").notBeforeTime(Date.from(Instant.now().plusSeconds(600))));
        assertEquals(401, WsClient.handshakeStatus(base + notYet, Map.of()));
        String none = new PlainJWT(new JWTClaimsSet.Builder().subject("x").build()).serialize();
        assertEquals(401, WsClient.handshakeStatus(base + none, Map.of()));
        String hs512 = Tokens.sign(Tokens.SECRET, JWSAlgorithm.HS512, c -> c.subject("x"));
        assertEquals(101, WsClient.handshakeStatus(base + hs512, Map.of()));
        // A bearer header works for non-browser clients.
        assertEquals(101, WsClient.handshakeStatus("ws://127.0.0.1:" + server.port() + "/ws",
                Map.of("Authorization", "Bearer " + hs512)));
    }

    @Test
    void roomsAreLimitedToTheTokensClaim() {
        try (WsClient c = WsClient.connect(url(token("r-" + UUID.randomUUID(), List.of("chat:*", "news"), 3600)))) {
            assertTrue(c.enter("chat:42").getBoolean("ok"));
            assertTrue(c.enter("news").getBoolean("ok"));
            JsonObject denied = c.request("{\"id\":5,\"action\":\"enter\",\"room\":\"secret\"}", 5);
            assertEquals("forbidden", denied.getJsonObject("error").getString("code"));
            JsonObject prefixOnly = c.request("{\"id\":6,\"action\":\"enter\",\"room\":\"newsroom\"}", 6);
            assertEquals("forbidden", prefixOnly.getJsonObject("error").getString("code"));
            assertTrue(c.enter("chat:43").getBoolean("ok"), "connection stays usable");
        }
    }

    @Test
    void roomsPerConnectionAreLimited() {
        try (WsClient c = WsClient.connect(url(token("m-" + UUID.randomUUID(), List.of("*"), 3600)))) {
            for (int i = 0; i < 5; i++) {
                assertTrue(c.enter("many-" + i).getBoolean("ok"));
            }
            JsonObject over = c.request("{\"id\":7,\"action\":\"enter\",\"room\":\"many-5\"}", 7);
            assertEquals("limit_exceeded", over.getJsonObject("error").getString("code"));
            assertTrue(c.enter("many-0").getBoolean("ok"), "re-entering a room is not a new room");
        }
    }

    @Test
    void connectionsPerUserAreLimited() {
        String t = token("p-" + UUID.randomUUID(), List.of(), 3600);
        List<WsClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(WsClient.connect(url(t)).ready()); // registered before the next handshake is checked
            }
            assertEquals(503, WsClient.handshakeStatus(url(t), Map.of()));
            open.remove(0).close();
            await().atMost(Duration.ofSeconds(10)).until(() -> WsClient.handshakeStatus(url(t), Map.of()) == 101);
        } finally {
            open.forEach(WsClient::close);
        }
    }

    @Test
    void floodingGetsTooManyRequestsWithTheCommandsIdThenClose4004() throws Exception {
        flood(i -> "{\"id\":" + i + ",\"action\":\"ping\"}");
    }

    @Test
    void roomCommandsHaveALargerAllowanceButFloodingWithThemIsLimitedToo() throws Exception {
        // Rooms reserve 2 x MAX_ROOMS_PER_CONNECTION = 10 here, plus the burst of 10.
        flood(i -> "{\"id\":\"f" + i + "\",\"action\":\"" + (i % 2 == 0 ? "enter" : "leave") + "\",\"room\":\"flood\"}");
    }

    /**
     * Sends 80 commands at once: the first are answered, then each is refused with
     * {@code too_many_requests} and its own id, then the connection is closed with 4004.
     */
    private static void flood(IntFunction<String> command) throws Exception {
        String t = token("f-" + UUID.randomUUID(), List.of("*"), 3600);
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/ws?t=" + t, Map.of())) {
            assertEquals(101, raw.status());
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 80; i++) {
                String c = command.apply(i);
                sent.add(WsClient.parse(c).get("id").toString());
                raw.sendText(c);
            }
            List<String> tooMany = new ArrayList<>();
            List<String> answered = new ArrayList<>();
            int close = -2;
            for (int i = 0; i < 200 && close == -2; i++) {
                RawWebSocket.Frame f = raw.read(Duration.ofSeconds(10));
                if (f == null) {
                    break;
                }
                if (f.opcode() == RawWebSocket.TEXT) {
                    JsonObject reply = WsClient.parse(f.text());
                    assertTrue(reply.containsKey("id"), f.text());
                    answered.add(reply.get("id").toString());
                    if (reply.containsKey("error")) {
                        assertEquals("too_many_requests", reply.getJsonObject("error").getString("code"), f.text());
                        tooMany.add(reply.get("id").toString());
                    }
                } else if (f.opcode() == RawWebSocket.CLOSE) {
                    close = f.closeCode();
                }
            }
            assertEquals(4004, close);
            assertFalse(tooMany.isEmpty());
            // Every command before the close got exactly one answer, with its own id.
            assertEquals(answered.size(), new HashSet<>(answered).size(), answered.toString());
            assertEquals(new HashSet<>(sent.subList(0, answered.size())), new HashSet<>(answered));
            assertTrue(answered.size() < sent.size(), "closed before the flood ended");
        }
    }

    @Test
    void everyErrorFrameCarriesTheCommandsId() {
        String user = "ids-" + UUID.randomUUID();
        try (WsClient c = WsClient.connect(url(token(user, List.of("ok-*"), 3600)))) {
            assertErrorWithId(c, "{\"id\":1,\"action\":\"dance\"}", 1, "bad_request");
            assertErrorWithId(c, "{\"action\":\"enter\",\"id\":\"two\"}", "two", "bad_request");
            assertErrorWithId(c, "{\"id\":3,\"action\":\"enter\",\"room\":\"ok-1\",\"since\":{\"offset\":-1}}", 3, "bad_request");
            // Malformed after the id, or over the parser's nesting limit: the id was still readable.
            assertErrorWithId(c, "{\"id\":4,\"action\":\"enter\",\"room\":\"ok-", 4, "bad_request");
            assertErrorWithId(c, "{\"id\":5,\"action\":\"enter\",\"room\":" + "[".repeat(1500), 5, "bad_request");
            assertErrorWithId(c, "{\"id\":6,\"action\":\"enter\",\"room\":\"secret\"}", 6, "forbidden");
            assertErrorWithId(c, "{\"id\":7,\"action\":\"refresh\",\"token\":\"not-a-jwt\"}", 7, "unauthorized");
            assertErrorWithId(c, "{\"id\":8,\"action\":\"refresh\",\"token\":\"" + token("other", List.of(), 3600) + "\"}",
                    8, "forbidden");
            for (int i = 0; i < 5; i++) {
                assertTrue(c.enter("ok-" + i).getBoolean("ok"));
            }
            assertErrorWithId(c, "{\"id\":9,\"action\":\"enter\",\"room\":\"ok-5\"}", 9, "limit_exceeded");
            // Only frames whose id cannot be read are answered without one.
            c.send("{\"id\":{\"x\":1},\"action\":\"ping\"}");
            JsonObject invalidId = c.nextJson();
            assertEquals("bad_request", invalidId.getJsonObject("error").getString("code"));
            assertFalse(invalidId.containsKey("id"), invalidId.toString());
        }
    }

    private static void assertErrorWithId(WsClient c, String command, Object id, String code) {
        JsonObject reply = c.request(command, id);
        assertTrue(reply.containsKey("error"), command + " => " + reply);
        assertEquals(code, reply.getJsonObject("error").getString("code"), command + " => " + reply);
    }

    @Test
    void oversizedFrameClosesWith1009() {
        try (WsClient c = WsClient.connect(url(token("big-" + UUID.randomUUID(), List.of(), 3600)))) {
            c.send("{\"action\":\"enter\",\"room\":\"" + "x".repeat(5000) + "\"}");
            assertEquals(1009, c.awaitClose());
        }
    }

    @Test
    void fragmentedCommandIsReassembledEvenWithACharacterSplitAcrossFrames() throws Exception {
        String t = token("frag-" + UUID.randomUUID(), List.of(), 3600);
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/ws?t=" + t, Map.of())) {
            assertEquals(101, raw.status());
            byte[] msg = "{\"id\":\"\u00e9\u20ac\",\"action\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
            int cut1 = 8;  // inside the two-byte e-acute
            int cut2 = 11; // inside the three-byte euro sign
            raw.send(RawWebSocket.TEXT, Arrays.copyOfRange(msg, 0, cut1), false);
            raw.send(0, Arrays.copyOfRange(msg, cut1, cut2), false);
            raw.send(0, Arrays.copyOfRange(msg, cut2, msg.length), true);
            RawWebSocket.Frame reply = raw.nextTextOrClose();
            JsonObject o = WsClient.parse(reply.text());
            assertTrue(o.getBoolean("ok"), reply.text());
            assertEquals("\u00e9\u20ac", o.getString("id"));
        }
    }

    @Test
    void fragmentedMessageOverTheLimitClosesWith1009() throws Exception {
        String t = token("frag-big-" + UUID.randomUUID(), List.of(), 3600);
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/ws?t=" + t, Map.of())) {
            assertEquals(101, raw.status());
            byte[] part = "x".repeat(1500).getBytes(StandardCharsets.UTF_8); // 3 x 1500 > 4096
            raw.send(RawWebSocket.TEXT, part, false);
            raw.send(0, part, false);
            raw.send(0, part, true);
            assertEquals(1009, raw.awaitClose(Duration.ofSeconds(10)));
        }
    }

    @Test
    void binaryMessageGetsAnErrorAndAnOversizedOneCloses1009() throws Exception {
        String t = token("bin-" + UUID.randomUUID(), List.of(), 3600);
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/ws?t=" + t, Map.of())) {
            assertEquals(101, raw.status());
            raw.send(RawWebSocket.BINARY, new byte[] {1, 2}, false);
            raw.send(0, new byte[] {3}, true);
            RawWebSocket.Frame reply = raw.nextTextOrClose();
            assertEquals("bad_request", WsClient.parse(reply.text()).getJsonObject("error").getString("code"));
            raw.send(RawWebSocket.BINARY, new byte[5000], true);
            assertEquals(1009, raw.awaitClose(Duration.ofSeconds(10)));
        }
    }

    @Test
    void expiredTokenClosesWith4001UnlessRefreshed() {
        String user = "e-" + UUID.randomUUID();
        try (WsClient expiring = WsClient.connect(url(token(user, List.of(), 2)));
             WsClient refreshed = WsClient.connect(url(token(user, List.of(), 2)))) {
            JsonObject ok = refreshed.request("{\"id\":1,\"action\":\"refresh\",\"token\":\""
                    + token(user, List.of(), 3600) + "\"}", 1);
            assertTrue(ok.getBoolean("ok"));
            JsonObject other = refreshed.request("{\"id\":2,\"action\":\"refresh\",\"token\":\""
                    + token("someone-else", List.of(), 3600) + "\"}", 2);
            assertEquals("forbidden", other.getJsonObject("error").getString("code"));
            assertEquals(4001, expiring.awaitClose());
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !refreshed.isClosed());
        }
    }

    @Test
    void clientThatNeverAnswersPingsIsClosedWith4003() throws Exception {
        String t = token("np-" + UUID.randomUUID(), List.of(), 3600);
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/ws?t=" + t, Map.of())) {
            assertEquals(101, raw.status());
            assertEquals(4003, raw.awaitClose(Duration.ofSeconds(10)));
        }
    }

    @Test
    void clientsThatAnswerPingsStayConnectedThroughManyIntervals() {
        // PING_INTERVAL and PONG_TIMEOUT are 500 ms here; the JDK client answers pings itself.
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                clients.add(WsClient.connect(server.wsUrl(Tokens.forUser("alive-" + i))).ready());
            }
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> clients.stream().noneMatch(WsClient::isClosed));
            for (WsClient c : clients) {
                assertTrue(c.request("{\"action\":\"ping\",\"id\":\"still\"}", "still").getBoolean("ok"));
            }
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    @Test
    void aSocketThatNeverSendsItsHandshakeIsDropped() throws Exception {
        try (java.net.Socket idle = new java.net.Socket("127.0.0.1", server.port())) {
            idle.setSoTimeout(10_000);
            long start = System.nanoTime();
            assertEquals(-1, idle.getInputStream().read(), "the server closes the idle socket");
            assertTrue(System.nanoTime() - start < 9_000_000_000L);
        }
    }

    @Test
    void oversizedPublishIsRejected() {
        Message big = Message.newBuilder().setEntityId("big")
                .setMessage(Any.pack(StringValue.of("x".repeat(20_000)))).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc.stub().broadcast(big));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    }
}
