package dev.socketserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import com.google.protobuf.ListValue;
import com.google.protobuf.StringValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.Message;
import dev.socketserver.transport.grpc.proto.MessageType;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 2: the old server's whole job, through the real WAR in embedded Jetty. */
class FoundationIT {
    static EmbeddedJetty server;
    static GrpcClient grpc;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedJetty.start(EmbeddedJetty.defaults());
        grpc = new GrpcClient(server.port());
    }

    @AfterAll
    static void stop() throws Exception {
        grpc.close();
        server.close();
    }

    static String user() {
        return "u-" + UUID.randomUUID();
    }

    static WsClient connect(String user) {
        return WsClient.connect(server.wsUrl(Tokens.forUser(user)));
    }

    @Test
    void broadcastReachesEveryConnection() {
        try (WsClient a = connect(user()).ready(); WsClient b = connect(user()).ready()) {
            grpc.stub().broadcast(GrpcClient.info("order-1", "hello all"));
            for (WsClient c : List.of(a, b)) {
                JsonObject n = c.nextJson(o -> "order-1".equals(o.getString("entityId", null)));
                assertEquals("info", n.getString("type"));
                assertEquals("hello all", n.getString("message"));
                assertFalse(n.containsKey("room"));
            }
        }
    }

    @Test
    void roomNotificationReachesOnlyMembers() {
        String room = "room-" + UUID.randomUUID();
        try (WsClient in = connect(user()); WsClient out = connect(user())) {
            JsonObject ack = in.enter(room);
            assertTrue(ack.getBoolean("ok"));
            grpc.stub().notifyRoom(MessageWithRoom.newBuilder().setBase(GrpcClient.info("e-room", "to room"))
                    .setRoom(room).build());
            JsonObject n = in.nextJson(o -> "e-room".equals(o.getString("entityId", null)));
            assertEquals(room, n.getString("room"));
            assertEquals("to room", n.getString("message"));
            // A marker broadcast proves `out` got nothing before it (per-connection order).
            grpc.stub().broadcast(GrpcClient.info("marker-" + room, "m"));
            assertEquals("marker-" + room, out.nextJson().getString("entityId"));
        }
    }

    @Test
    void notifyRoomWithoutRoomReachesEveryone() {
        try (WsClient a = connect(user()).ready()) {
            grpc.stub().notifyRoom(MessageWithRoom.newBuilder().setBase(GrpcClient.info("e-everyone", "x")).build());
            JsonObject n = a.nextJson(o -> "e-everyone".equals(o.getString("entityId", null)));
            assertFalse(n.containsKey("room"));
        }
    }

    @Test
    void privateNotificationReachesEveryConnectionOfTheUser() {
        String alice = user();
        try (WsClient tab1 = connect(alice).ready(); WsClient tab2 = connect(alice).ready();
             WsClient bob = connect(user()).ready()) {
            grpc.stub().privateNotify(MessageWithUser.newBuilder()
                    .setBase(GrpcClient.info("p-1", "for alice")).setUserId(alice).build());
            assertEquals("for alice", tab1.nextJson().getString("message"));
            assertEquals("for alice", tab2.nextJson().getString("message"));
            grpc.stub().broadcast(GrpcClient.info("marker-bob", "m"));
            assertEquals("marker-bob", bob.nextJson().getString("entityId"));
        }
    }

    @Test
    void leaveStopsRoomDelivery() {
        String room = "leave-" + UUID.randomUUID();
        try (WsClient c = connect(user())) {
            c.enter(room);
            JsonObject ack = c.request("{\"id\":\"L1\",\"action\":\"leave\",\"room\":\"" + room + "\"}", "L1");
            assertTrue(ack.getBoolean("ok"));
            assertEquals("L1", ack.getString("id"));
            grpc.stub().notifyRoom(MessageWithRoom.newBuilder().setBase(GrpcClient.info("after-leave", "x")).setRoom(room).build());
            grpc.stub().broadcast(GrpcClient.info("marker-leave", "m"));
            assertEquals("marker-leave", c.nextJson().getString("entityId"));
        }
    }

    @Test
    void aClientEntersEveryRoomItMayBeInRightAfterConnecting() {
        // Default settings: MAX_ROOMS_PER_CONNECTION=128 is more than CLIENT_COMMAND_BURST=100.
        int rooms = 128;
        String prefix = "dash-" + UUID.randomUUID() + "-";
        try (WsClient c = connect(user())) {
            for (int i = 0; i < rooms; i++) {
                c.send("{\"id\":" + i + ",\"action\":\"enter\",\"room\":\"" + prefix + i + "\"}");
            }
            Set<Integer> entered = new HashSet<>();
            for (int i = 0; i < rooms; i++) {
                JsonObject reply = c.nextJson(o -> o.containsKey("id"));
                assertTrue(reply.getBoolean("ok", false), reply.toString());
                assertEquals(prefix + reply.getInt("id"), reply.getString("room"));
                entered.add(reply.getInt("id"));
            }
            assertEquals(rooms, entered.size());
            // Other commands still have their whole allowance; one more room is over the room limit.
            assertTrue(c.request("{\"id\":\"after\",\"action\":\"ping\"}", "after").getBoolean("ok"));
            JsonObject over = c.request("{\"id\":500,\"action\":\"enter\",\"room\":\"" + prefix + "x\"}", 500);
            assertEquals("limit_exceeded", over.getJsonObject("error").getString("code"));
            grpc.stub().notifyRoom(MessageWithRoom.newBuilder().setBase(GrpcClient.info("to-last", "x"))
                    .setRoom(prefix + (rooms - 1)).build());
            assertEquals(prefix + (rooms - 1), c.nextJson().getString("room"));
        }
    }

    @Test
    void commandsWithoutIdGetNoReplyAndKeepAliveIsIgnored() {
        String room = "quiet-" + UUID.randomUUID();
        try (WsClient c = connect(user())) {
            c.send("0");
            c.send("{\"action\":\"enter\",\"room\":\"" + room + "\"}");
            // A connection's frames are handled in order: once the ping is answered, the enter is done.
            c.send("{\"id\":\"sync\",\"action\":\"ping\"}");
            JsonObject first = c.nextJson();
            assertEquals("sync", first.getString("id", null), "no reply frame before the ping's: " + first);
            grpc.stub().notifyRoom(MessageWithRoom.newBuilder().setBase(GrpcClient.info("q", "x")).setRoom(room).build());
            assertEquals("q", c.nextJson().getString("entityId"));
        }
    }

    @Test
    void pingCommandIsAnswered() {
        try (WsClient c = connect(user())) {
            JsonObject r = c.request("{\"id\":9,\"action\":\"ping\"}", 9);
            assertTrue(r.getBoolean("ok"));
        }
    }

    @Test
    void badInputGetsErrorFramesAndTheConnectionStaysUsable() {
        try (WsClient c = connect(user())) {
            c.send("{not json");
            assertError(c.nextJson(), "bad_request", null);
            c.send("[1,2]");
            assertError(c.nextJson(), "bad_request", null);
            c.send("{\"id\":1,\"action\":\"dance\"}");
            assertError(c.nextJson(), "bad_request", "1");
            c.send("{\"id\":2,\"action\":\"enter\"}");
            assertError(c.nextJson(), "bad_request", "2");
            c.send("{\"id\":3,\"action\":\"enter\",\"room\":\"\"}");
            assertError(c.nextJson(), "bad_request", "3");
            c.send("{\"id\":4,\"action\":\"enter\",\"room\":42}");
            assertError(c.nextJson(), "bad_request", "4");
            c.send("{\"id\":5,\"action\":\"leave\",\"room\":\"a\\u0000b\"}");
            assertError(c.nextJson(), "bad_request", "5");
            c.sendBinary(new byte[] {1, 2, 3});
            assertError(c.nextJson(), "bad_request", null);
            c.send("{\"action\":\"enter\",\"room\":\"" + "x".repeat(256) + "\"}");
            assertError(c.nextJson(), "bad_request", null);
            // still usable
            assertTrue(c.enter("fine-" + UUID.randomUUID()).getBoolean("ok"));
        }
    }

    private static void assertError(JsonObject frame, String code, String id) {
        assertTrue(frame.containsKey("error"), "expected an error frame: " + frame);
        assertEquals(code, frame.getJsonObject("error").getString("code"));
        assertFalse(frame.getJsonObject("error").getString("message").isBlank());
        if (id == null) {
            assertFalse(frame.containsKey("id"), frame.toString());
        } else {
            assertEquals(id, frame.get("id").toString());
        }
    }

    @Test
    void handshakeWithoutOrWithBadTokenGets401() {
        String base = "ws://127.0.0.1:" + server.port() + "/ws";
        assertEquals(401, WsClient.handshakeStatus(base, Map.of()));
        assertEquals(401, WsClient.handshakeStatus(base + "?t=garbage", Map.of()));
        String wrongSecret = Tokens.hs256("another-secret-0123456789abcdef-012345", c -> c.subject("mallory"));
        assertEquals(401, WsClient.handshakeStatus(base + "?t=" + wrongSecret, Map.of()));
        String noSub = Tokens.hs256(Tokens.SECRET, c -> c.claim("x", 1));
        assertEquals(401, WsClient.handshakeStatus(base + "?t=" + noSub, Map.of()));
        assertEquals(101, WsClient.handshakeStatus(base + "?t=" + Tokens.forUser("ok"), Map.of()));
    }

    @Test
    void grpcRejectsEmptyUserIdAndEmptyRoom() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc.stub().privateNotify(
                MessageWithUser.newBuilder().setBase(GrpcClient.info("x", "y")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("userId"));
        e = assertThrows(StatusRuntimeException.class, () -> grpc.stub().notifyRoom(
                MessageWithRoom.newBuilder().setBase(GrpcClient.info("x", "y")).setRoom("").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("room"));
    }

    @Test
    void grpcWithoutApiKeyIsUnauthenticated() {
        var noKey = dev.socketserver.transport.grpc.proto.NotificationServiceGrpc.newBlockingStub(grpc.channel())
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> noKey.broadcast(GrpcClient.info("x", "y")));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        var wrongKey = noKey.withCallCredentials(GrpcClient.bearer("wrong"));
        e = assertThrows(StatusRuntimeException.class, () -> wrongKey.broadcast(GrpcClient.info("x", "y")));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    }

    @Test
    void aliasServiceNameDelivers() {
        String alice = user();
        try (WsClient c = connect(alice).ready()) {
            var alias = dev.socketserver.transport.grpc.proto.alias.NotificationServiceGrpc.newBlockingStub(grpc.channel())
                    .withDeadlineAfter(10, TimeUnit.SECONDS).withCallCredentials(GrpcClient.bearer(GrpcClient.API_KEY));
            alias.privateNotify(MessageWithUser.newBuilder().setBase(GrpcClient.info("alias", "via alias")).setUserId(alice).build());
            assertEquals("via alias", c.nextJson().getString("message"));
            alias.broadcast(GrpcClient.info("alias-b", "b"));
            assertEquals("alias-b", c.nextJson().getString("entityId"));
        }
    }

    @Test
    void bodiesRenderAsPlainJson() {
        String alice = user();
        try (WsClient c = connect(alice).ready()) {
            Struct struct = Struct.newBuilder().putFields("n", Value.newBuilder().setNumberValue(3).build())
                    .putFields("s", Value.newBuilder().setStringValue("x").build()).build();
            send(alice, Any.pack(struct));
            JsonObject n = c.nextJson();
            assertEquals(3, n.getJsonObject("message").getInt("n"));
            assertEquals("x", n.getJsonObject("message").getString("s"));

            send(alice, Any.pack(ListValue.newBuilder().addValues(Value.newBuilder().setBoolValue(true)).build()));
            assertEquals("[true]", c.nextJson().get("message").toString());

            send(alice, Any.pack(Int64Value.of(7)));
            assertEquals("\"7\"", c.nextJson().get("message").toString());

            send(alice, null);
            assertEquals("null", c.nextJson().get("message").toString());

            send(alice, Any.pack(Timestamp.newBuilder().setSeconds(0).build()));
            JsonObject ts = c.nextJson().getJsonObject("message");
            assertEquals("type.googleapis.com/google.protobuf.Timestamp", ts.getString("@type"));

            send(alice, Any.newBuilder().setTypeUrl("type.googleapis.com/acme.Unknown")
                    .setValue(ByteString.copyFromUtf8("raw")).build());
            JsonObject unknown = c.nextJson().getJsonObject("message");
            assertEquals("type.googleapis.com/acme.Unknown", unknown.getString("@type"));
            assertEquals("cmF3", unknown.getString("value"));

            Message error = Message.newBuilder().setType(MessageType.TYPE_ERROR).setEntityId("err")
                    .setMessage(Any.pack(StringValue.of("boom"))).build();
            grpc.stub().privateNotify(MessageWithUser.newBuilder().setBase(error).setUserId(alice).build());
            JsonObject e = c.nextJson();
            assertEquals("error", e.getString("type"));
            grpc.stub().privateNotify(MessageWithUser.newBuilder().setBase(Message.newBuilder().setEntityId("u"))
                    .setUserId(alice).build());
            assertEquals("", c.nextJson().getString("type"));
        }
    }

    @Test
    void corruptBodyIsInvalidArgument() {
        Any bad = Any.newBuilder().setTypeUrl("type.googleapis.com/google.protobuf.Struct")
                .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff})).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc.stub().broadcast(
                Message.newBuilder().setMessage(bad).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }

    private static void send(String user, Any body) {
        Message.Builder m = Message.newBuilder().setType(MessageType.TYPE_INFO).setEntityId("body");
        if (body != null) {
            m.setMessage(body);
        }
        grpc.stub().privateNotify(MessageWithUser.newBuilder().setBase(m).setUserId(user).build());
    }

    @Test
    void reflectionListsBothServiceNames() {
        List<String> list = grpc.reflectedServices();
        assertTrue(list.contains("notifications.NotificationService"), list.toString());
        assertTrue(list.contains("notificationspb.NotificationService"), list.toString());
    }

    @Test
    void oneUserIsNotLimitedToOneConnection() {
        String u = user();
        List<WsClient> tabs = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                tabs.add(connect(u).ready());
            }
            grpc.stub().privateNotify(MessageWithUser.newBuilder().setBase(GrpcClient.info("five", "x")).setUserId(u).build());
            for (WsClient t : tabs) {
                assertEquals("five", t.nextJson().getString("entityId"));
                assertTrue(t.poll(Duration.ZERO) == null);
            }
        } finally {
            tabs.forEach(WsClient::close);
        }
    }
}
