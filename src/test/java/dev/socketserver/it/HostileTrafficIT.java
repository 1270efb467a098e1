package dev.socketserver.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HandshakeRace;
import dev.socketserver.testing.HttpApi;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.DisconnectRequest;
import dev.socketserver.transport.grpc.proto.HistoryRequest;
import dev.socketserver.transport.grpc.proto.Message;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import dev.socketserver.transport.grpc.proto.NotificationServiceGrpc;
import dev.socketserver.transport.grpc.proto.PresenceRequest;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import dev.socketserver.transport.grpc.proto.RoomsRequest;
import dev.socketserver.transport.grpc.proto.StreamPosition;
import dev.socketserver.transport.grpc.proto.SubscribeRequest;
import dev.socketserver.transport.grpc.proto.UnsubscribeRequest;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 (hostile traffic), through the real WAR: shrinking tokens shrink access, publications
 * no one could receive are refused, bad requests end in 4502, error texts are ours, the
 * same-origin check compares scheme, host and port, ids are echoed as written, identifiers are
 * bounded.
 */
class HostileTrafficIT {
    static final int QUEUE_MAX = 64 * 1024;
    /** A Java class name as exception texts carry it ({@code com.google.gson.stream.MalformedJsonException}). */
    static final Pattern CLASS_NAME = Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.){2,}[A-Z]\\w*");

    static EmbeddedJetty server;
    static GrpcClient grpc;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> s = EmbeddedJetty.defaults();
        s.put("ROOMS_POLICY", "claims");
        s.put("CLIENT_QUEUE_MAX_BYTES", String.valueOf(QUEUE_MAX));
        s.put("CLIENT_COMMAND_RATE", "1000");
        s.put("CLIENT_COMMAND_BURST", "1000");
        s.put("MAX_CONNECTIONS_PER_USER", "5");
        server = EmbeddedJetty.start(s);
        grpc = new GrpcClient(server.port());
    }

    @AfterAll
    static void stop() throws Exception {
        grpc.close();
        server.close();
    }

    static String token(String sub, List<String> rooms) {
        return Tokens.hs256(Tokens.SECRET, c -> c.subject(sub).claim("rooms", rooms)
                .expirationTime(Date.from(Instant.now().plusSeconds(3600))));
    }

    static WsClient connect(String sub, List<String> rooms) {
        return WsClient.connect(server.wsUrl(token(sub, rooms))).ready();
    }

    static void notifyRoom(String room, String entityId) {
        grpc.stub().notifyRoom(MessageWithRoom.newBuilder().setRoom(room).setBase(GrpcClient.info(entityId, "x")).build());
    }

    // ---- item 2: a narrower token leaves the rooms it no longer grants ----------------

    @Test
    void refreshWithFewerRoomsLeavesTheRevokedRoomsAndSaysWhich() {
        String user = "shrink-" + UUID.randomUUID();
        String p = UUID.randomUUID() + ":";
        try (WsClient c = connect(user, List.of(p + "chat:*", p + "news"))) {
            c.enter(p + "chat:1");
            c.enter(p + "chat:2");
            c.enter(p + "news");
            // A backend's Subscribe bypasses the policy: not the token's to revoke.
            assertEquals(1, grpc.stub().subscribe(SubscribeRequest.newBuilder().setUserId(user).setRoom(p + "backend").build())
                    .getConnections());
            c.send("{\"id\":9,\"action\":\"refresh\",\"token\":\"" + token(user, List.of(p + "chat:1")) + "\"}");
            JsonObject revoked = c.nextJson();
            assertEquals("revoked", revoked.getString("action"), revoked.toString());
            List<String> rooms = new ArrayList<>(revoked.getJsonArray("rooms").getValuesAs(JsonString::getString));
            rooms.sort(null);
            assertEquals(List.of(p + "chat:2", p + "news"), rooms);
            JsonObject ok = c.nextJson();
            assertEquals(9, ok.getInt("id"));
            assertTrue(ok.getBoolean("ok"));
            // Nothing of the revoked rooms arrives any more; the granted room still delivers.
            notifyRoom(p + "news", "revoked-news");
            notifyRoom(p + "chat:2", "revoked-chat");
            notifyRoom(p + "backend", "subscribed");
            notifyRoom(p + "chat:1", "kept");
            assertEquals("subscribed", c.nextJson().getString("entityId"));
            assertEquals("kept", c.nextJson().getString("entityId"));
            assertFalse(grpc.stub().presence(PresenceRequest.newBuilder().setRoom(p + "news").build())
                    .getPresenceMap().values().stream().anyMatch(i -> i.getUserId().equals(user)));
            JsonObject denied = c.request("{\"id\":10,\"action\":\"enter\",\"room\":\"" + p + "news\"}", 10);
            assertEquals("forbidden", denied.getJsonObject("error").getString("code"));
        }
    }

    @Test
    void refreshWithTheSameRoomsSendsNoRevokedFrame() {
        String user = "same-" + UUID.randomUUID();
        String room = "same-" + UUID.randomUUID();
        try (WsClient c = connect(user, List.of(room))) {
            c.enter(room);
            c.send("{\"id\":3,\"action\":\"refresh\",\"token\":\"" + token(user, List.of(room)) + "\"}");
            JsonObject ok = c.nextJson();
            assertEquals(3, ok.getInt("id"), ok.toString());
            notifyRoom(room, "still");
            assertEquals("still", c.nextJson().getString("entityId"));
        }
    }

    // ---- item 3: what no one could receive is refused; what fits is delivered ----------

    /** 12,000 control characters: 12 KB of protobuf, 72 KB of JSON once escaped. */
    static Message escapingMessage() {
        return GrpcClient.info("big", "").toBuilder()
                .setMessage(Any.pack(StringValue.of("\u0001".repeat(12_000)))).build();
    }

    @Test
    void aNotificationWhoseFrameExceedsTheQueueBoundIsRefusedAndSubscribersStay() {
        String room = "big-" + UUID.randomUUID();
        try (WsClient c = connect("big-" + UUID.randomUUID(), List.of("*"))) {
            c.enter(room);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc.stub().publish(
                    PublishRequest.newBuilder().setRoom(room).setMessage(escapingMessage()).build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().matches(".*frame of \\d{5,} bytes.*" + QUEUE_MAX + ".*"),
                    e.getStatus().getDescription());
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, GrpcClient.code(assertThrows(StatusRuntimeException.class,
                    () -> grpc.stub().broadcast(escapingMessage()))));

            String json = "{\"room\":\"" + room + "\",\"message\":{\"type\":\"TYPE_INFO\",\"entityId\":\"big\",\"message\":"
                    + "{\"@type\":\"type.googleapis.com/google.protobuf.StringValue\",\"value\":\""
                    + "\\u0001".repeat(12_000) + "\"}}}";
            HttpApi.Response h = HttpApi.post(server.port(), "Publish", json);
            assertEquals(413, h.status(), String.valueOf(h.body()));
            assertEquals("too_large", h.body().getJsonObject("error").getString("code"));
            assertTrue(h.body().getJsonObject("error").getString("message").matches(".*frame of \\d{5,} bytes.*"));

            // Nothing reached history or the subscriber, which is still connected.
            assertEquals(0, grpc.stub().history(HistoryRequest.newBuilder().setRoom(room).build()).getPublicationsCount());
            notifyRoom(room, "after");
            assertEquals("after", c.nextJson().getString("entityId"));
            assertFalse(c.isClosed());
        }
    }

    /**
     * Two frames of three quarters of the bound each, published at once, so the second meets the
     * first still queued (or being written): the second fits alone, not on top, and a reading
     * client gets both (the rule: a client is slow only when a frame finds its queue at the bound).
     */
    @Test
    void aFrameThatFitsAloneReachesAReadingClientWhateverItsQueueHeld() throws Exception {
        String room = "fit-" + UUID.randomUUID();
        String body = "y".repeat(QUEUE_MAX * 3 / 4);
        var stub = NotificationServiceGrpc.newFutureStub(grpc.channel()).withCallCredentials(GrpcClient.bearer(GrpcClient.API_KEY));
        try (WsClient c = connect("fit-" + UUID.randomUUID(), List.of("*"))) {
            c.enter(room);
            for (int pair = 0; pair < 10; pair++) {
                List<ListenableFuture<?>> sent = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    sent.add(stub.notifyRoom(MessageWithRoom.newBuilder().setRoom(room).setBase(Message.newBuilder()
                            .setEntityId("fit-" + pair + "-" + i).setMessage(Any.pack(StringValue.of(body)))).build()));
                }
                for (ListenableFuture<?> f : sent) {
                    f.get(30, TimeUnit.SECONDS);
                }
                for (int i = 0; i < 2; i++) {
                    String raw = c.poll(Duration.ofSeconds(10));
                    assertTrue(raw != null, "pair " + pair + ", frame " + i + " missing; closed: "
                            + (c.isClosed() ? c.awaitClose() : "no"));
                    assertTrue(WsClient.parse(raw).getString("entityId").startsWith("fit-" + pair + "-"));
                }
            }
            assertFalse(c.isClosed(), "a reading client is not a slow consumer");
        }
    }

    // ---- item 4: codes and texts ------------------------------------------------------

    @Test
    void badRequestsInARowCloseWith4502AfterTheDocumentedNumber() {
        try (WsClient c = connect("bad-" + UUID.randomUUID(), List.of("*"))) {
            for (int i = 0; i < 19; i++) {
                c.send("{\"id\":" + i + ",\"action\":\"dance\"}");
                assertEquals("bad_request", c.nextJson().getJsonObject("error").getString("code"));
            }
            // A good command in between starts the count again.
            assertTrue(c.request("{\"id\":\"good\",\"action\":\"ping\"}", "good").getBoolean("ok"));
            for (int i = 0; i < 19; i++) {
                c.send("{not json");
                JsonObject e = c.nextJson();
                assertEquals("malformed JSON", e.getJsonObject("error").getString("message"));
            }
            assertFalse(c.isClosed());
            c.send("{\"id\":20,\"action\":\"enter\",\"room\":\"\"}");
            assertEquals("bad_request", c.nextJson().getJsonObject("error").getString("code"));
            assertEquals(4502, c.awaitClose());
        }
    }

    @Test
    void errorMessagesCarryNoLibraryText() {
        List<String> hostile = List.of("{\"id\":1,\"action\":\"ping\"", "{\"id\":2,\"x\":" + "[".repeat(3000) + "]".repeat(3000) + "}",
                "{\"id\":3,\"action\":\"ping\",\"n\":1" + "0".repeat(2000) + "}", "[1,2", "{\"id\":4,\"action\":tru}",
                "{\"id\":5,\"action\":\"enter\",\"room\":\"a\\u0000b\"}", "{\"id\":6,\"action\":\"enter\",\"since\":{\"offset\":1e999}}",
                "\"\\uD800\"", "{\"id\":7,\"action\":\"refresh\",\"token\":\"x.y.z\"}", "{\"id\":8,\"action\":\"refresh\",\"token\":\"" + "%".repeat(600) + "\"}");
        try (WsClient c = connect("texts-" + UUID.randomUUID(), List.of("*"))) {
            for (String frame : hostile) {
                c.send(frame);
                JsonObject reply = c.nextJson();
                String message = reply.getJsonObject("error").getString("message");
                assertFalse(CLASS_NAME.matcher(message).find(), message + " after " + frame);
                assertFalse(message.contains("Exception"), message + " after " + frame);
            }
        }
        HttpApi.Response h = HttpApi.post(server.port(), "Publish", "{\"room\":\"r\",,}");
        assertEquals(400, h.status());
        String message = h.body().getJsonObject("error").getString("message");
        assertFalse(CLASS_NAME.matcher(message).find(), message);
    }

    /**
     * The HTTP API's 400s for bodies that do not fit their method's message are our texts naming
     * the field (they passed on the protobuf parser's, e.g. "Cannot find field: rooom in message
     * notifications.PublishRequest"), and nothing of a library's.
     */
    @Test
    void httpApiBodyErrorsAreOurTextsNamingTheField() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("{\"room\":\"r\",,}", "the body is not valid JSON (line 1, column 13)");
        expected.put("[]", "the body must be a JSON object (a PublishRequest)");
        expected.put("{\"rooom\":\"r\"}", "unknown field \"rooom\" in PublishRequest; its fields: message, all, room, userId, idempotencyKey");
        expected.put("{\"room\":7}", "field \"room\" must be a string");
        expected.put("{\"room\":\"r\",\"userId\":\"u\"}", "fields \"room\" and \"userId\" are both set; give only one of all, room, userId");
        expected.put("{\"room\":\"r\",\"message\":{\"type\":\"INFO\"}}",
                "field \"message.type\" must be one of MESSAGE_TYPE_UNSPECIFIED, TYPE_ERROR, TYPE_INFO (or its number)");
        expected.put("{\"room\":\"r\",\"message\":{\"message\":{\"@type\":\"type.googleapis.com/nope.Nope\"}}}",
                "the body is not a valid PublishRequest: a value of a well-known type in it (an Any's \"@type\" and fields, a Value) "
                        + "does not decode, or a field is given twice");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            HttpApi.Response r = HttpApi.post(server.port(), "Publish", e.getKey());
            assertEquals(400, r.status(), e.getKey());
            String message = r.body().getJsonObject("error").getString("message");
            assertEquals(e.getValue(), message, e.getKey());
            assertFalse(CLASS_NAME.matcher(message).find(), message);
            assertFalse(message.contains("notifications."), message);
        }
    }

    @Test
    void numericIdsAreEchoedExactlyAsWritten() {
        try (WsClient c = connect("ids-" + UUID.randomUUID(), List.of("*"))) {
            for (String id : List.of("1e999999999", "-0.50E+3", "12345678901234567890123", "7")) {
                c.send("{\"id\":" + id + ",\"action\":\"ping\"}");
                assertTrue(c.next().startsWith("{\"id\":" + id + ","), id);
                c.send("{\"id\":" + id + ",\"action\":\"nope\"}");
                assertTrue(c.next().startsWith("{\"id\":" + id + ",\"error\""), id);
            }
        }
    }

    @Test
    void sameOriginMeansSameSchemeHostAndPort() {
        String url = server.wsUrl(token("origin-" + UUID.randomUUID(), List.of()));
        int port = server.port();
        assertEquals(101, WsClient.handshakeStatus(url, Map.of("Origin", "http://127.0.0.1:" + port)));
        assertEquals(403, WsClient.handshakeStatus(url, Map.of("Origin", "https://127.0.0.1:" + port)));
        assertEquals(403, WsClient.handshakeStatus(url, Map.of("Origin", "http://127.0.0.1:" + (port == 1 ? 2 : port - 1))));
        assertEquals(403, WsClient.handshakeStatus(url, Map.of("Origin", "http://127.0.0.1")));
        assertEquals(403, WsClient.handshakeStatus(url, Map.of("Origin", "http://localhost:" + port)));
        assertEquals(403, WsClient.handshakeStatus(url, Map.of("Origin", "null")));
    }

    // ---- item 5: the per-user connection limit holds exactly ---------------------------

    @Test
    void fortyConcurrentHandshakesOfOneUserOpenExactlyFive() throws Exception {
        String user = "race-" + UUID.randomUUID();
        HandshakeRace.assertExactLimit(server.port(), user, 40, 5);
        // The closed connections gave their slots back.
        String url = server.wsUrl(Tokens.forUser(user));
        await().atMost(Duration.ofSeconds(10)).until(() -> WsClient.handshakeStatus(url, Map.of()) == 101);
    }

    @Test
    void aSlotIsHeldUntilItsConnectionClosesAndRefusedHandshakesHoldNone() {
        String url = server.wsUrl(Tokens.forUser("slots-" + UUID.randomUUID()));
        List<WsClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                open.add(WsClient.connect(url).ready());
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(503, WsClient.handshakeStatus(url, Map.of()));
            }
            // The refused handshakes took nothing; a closed connection gives its slot back.
            open.remove(0).close();
            await().atMost(Duration.ofSeconds(10)).until(() -> WsClient.handshakeStatus(url, Map.of()) == 101);
            // handshakeStatus closed its connection at once: wait until that slot is back too.
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try {
                    open.add(WsClient.connect(url).ready());
                    return true;
                } catch (RuntimeException refused) {
                    return false;
                }
            });
            assertEquals(503, WsClient.handshakeStatus(url, Map.of()));
        } finally {
            open.forEach(WsClient::close);
        }
    }

    // ---- item 6: identifiers from backends are bounded ---------------------------------

    static final String LONG = "u".repeat(256);
    static final String CONTROL = "user\nid";

    static void assertInvalid(String field, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().startsWith(field + " must"), e.getStatus().getDescription());
    }

    @Test
    void identifiersOverTheLimitsGetInvalidArgumentOverGrpc() {
        var stub = grpc.stub();
        Message m = GrpcClient.info("e", "x");
        // (A lone surrogate cannot travel over gRPC: protobuf encodes it as '?'.)
        for (String bad : List.of(LONG, CONTROL)) {
            assertInvalid("userId", () -> stub.privateNotify(MessageWithUser.newBuilder().setUserId(bad).setBase(m).build()));
            assertInvalid("userId", () -> stub.publish(PublishRequest.newBuilder().setUserId(bad).setMessage(m).build()));
            assertInvalid("userId", () -> stub.history(HistoryRequest.newBuilder().setUserId(bad).build()));
            assertInvalid("userId", () -> stub.subscribe(SubscribeRequest.newBuilder().setUserId(bad).setRoom("r").build()));
            assertInvalid("userId", () -> stub.unsubscribe(UnsubscribeRequest.newBuilder().setUserId(bad).setRoom("r").build()));
            assertInvalid("userId", () -> stub.disconnect(DisconnectRequest.newBuilder().setUserId(bad).build()));
            assertInvalid("idempotencyKey", () -> stub.publish(PublishRequest.newBuilder().setRoom("r").setMessage(m)
                    .setIdempotencyKey(bad).build()));
            assertInvalid("entityId", () -> stub.broadcast(GrpcClient.info(bad, "x")));
            assertInvalid("since.epoch", () -> stub.history(HistoryRequest.newBuilder().setRoom("r")
                    .setSince(StreamPosition.newBuilder().setOffset(1).setEpoch(bad)).build()));
            assertInvalid("pattern", () -> stub.rooms(RoomsRequest.newBuilder().setPattern(bad).build()));
            assertInvalid("room", () -> stub.subscribe(SubscribeRequest.newBuilder().setUserId("u").setRoom(bad).build()));
        }
        assertInvalid("userId", () -> stub.privateNotify(MessageWithUser.newBuilder().setBase(m).build()));
        // At the limit: 255 bytes (85 three-byte chars) are fine.
        String max = "\u20ac".repeat(85);
        stub.privateNotify(MessageWithUser.newBuilder().setUserId(max).setBase(GrpcClient.info(max, "x")).build());
        stub.publish(PublishRequest.newBuilder().setRoom("r").setMessage(m).setIdempotencyKey(max).build());
    }

    @Test
    void identifiersOverTheLimitsGet400OverHttp() {
        Consumer<String[]> bad = call -> {
            HttpApi.Response r = HttpApi.post(server.port(), call[0], call[1]);
            assertEquals(400, r.status(), call[1]);
            assertEquals("bad_request", r.body().getJsonObject("error").getString("code"));
            assertTrue(r.body().getJsonObject("error").getString("message").startsWith(call[2] + " must"),
                    r.body().toString());
        };
        String m = "{\"type\":\"TYPE_INFO\",\"entityId\":\"e\"}";
        bad.accept(new String[] {"PrivateNotify", "{\"userId\":\"" + LONG + "\",\"base\":" + m + "}", "userId"});
        bad.accept(new String[] {"Publish", "{\"userId\":\"a\\u0007b\",\"message\":" + m + "}", "userId"});
        bad.accept(new String[] {"Publish", "{\"room\":\"r\",\"idempotencyKey\":\"" + LONG + "\",\"message\":" + m + "}", "idempotencyKey"});
        bad.accept(new String[] {"Disconnect", "{\"userId\":\"" + LONG + "\"}", "userId"});
        bad.accept(new String[] {"Subscribe", "{\"userId\":\"" + LONG + "\",\"room\":\"r\"}", "userId"});
    }

    @Test
    void aTokenWhoseUserIdBreaksTheRulesIsRefusedAtTheHandshake() {
        assertEquals(401, WsClient.handshakeStatus(server.wsUrl(token(LONG, List.of())), Map.of()));
        assertEquals(401, WsClient.handshakeStatus(server.wsUrl(token(CONTROL, List.of())), Map.of()));
        assertEquals(101, WsClient.handshakeStatus(server.wsUrl(token("u".repeat(255), List.of())), Map.of()));
    }
}
