package dev.socketserver.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HttpApi;
import dev.socketserver.testing.RawWebSocket;
import dev.socketserver.testing.SlowRequests;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.DisconnectRequest;
import dev.socketserver.transport.grpc.proto.HistoryRequest;
import dev.socketserver.transport.grpc.proto.HistoryResponse;
import dev.socketserver.transport.grpc.proto.InfoRequest;
import dev.socketserver.transport.grpc.proto.InfoResponse;
import dev.socketserver.transport.grpc.proto.PresenceRequest;
import dev.socketserver.transport.grpc.proto.PresenceStatsRequest;
import dev.socketserver.transport.grpc.proto.PresenceStatsResponse;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import dev.socketserver.transport.grpc.proto.PublishResponse;
import dev.socketserver.transport.grpc.proto.RoomsRequest;
import dev.socketserver.transport.grpc.proto.StreamPosition;
import dev.socketserver.transport.grpc.proto.SubscribeRequest;
import dev.socketserver.transport.grpc.proto.UnsubscribeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 5: every new RPC and its HTTP/JSON twin, idempotent publish, presence. */
class ApiIT {
    static EmbeddedJetty server;
    static GrpcClient grpc;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> s = EmbeddedJetty.defaults();
        s.put("PRESENCE_EVENTS", "events:*");
        server = EmbeddedJetty.start(s);
        grpc = new GrpcClient(server.port());
    }

    @AfterAll
    static void stop() throws Exception {
        grpc.close();
        server.close();
    }

    static String id() {
        return UUID.randomUUID().toString();
    }

    static WsClient connect(String user) {
        return WsClient.connect(server.wsUrl(Tokens.forUser(user)));
    }

    static String messageJson(String entityId, String text) {
        return "{\"type\":\"TYPE_INFO\",\"entityId\":\"" + entityId + "\",\"message\":{\"@type\":"
                + "\"type.googleapis.com/google.protobuf.StringValue\",\"value\":\"" + text + "\"}}";
    }

    @Test
    void publishToRoomReturnsThePositionClientsSee() {
        String room = "pub-" + id();
        try (WsClient c = connect("alice")) {
            c.enter(room);
            PublishResponse r = grpc.stub().publish(PublishRequest.newBuilder()
                    .setMessage(GrpcClient.info("e1", "hi")).setRoom(room).build());
            JsonObject n = c.nextJson();
            assertEquals(r.getPosition().getOffset(), n.getJsonNumber("offset").longValue());
            assertEquals(r.getPosition().getEpoch(), n.getString("epoch"));
            assertEquals(1, r.getPosition().getOffset());

            HttpApi.Response h = HttpApi.post(server.port(), "Publish",
                    "{\"message\":" + messageJson("e2", "via http") + ",\"room\":\"" + room + "\"}");
            assertEquals(200, h.status(), String.valueOf(h.body()));
            assertEquals("2", h.body().getJsonObject("position").getString("offset"));
            JsonObject n2 = c.nextJson();
            assertEquals("via http", n2.getString("message"));
            assertEquals(2, n2.getJsonNumber("offset").longValue());
        }
    }

    @Test
    void publishToAllAndToUser() {
        String user = "u-" + id();
        try (WsClient c = connect(user).ready()) {
            grpc.stub().publish(PublishRequest.newBuilder().setMessage(GrpcClient.info("to-user", "x")).setUserId(user).build());
            JsonObject n = c.nextJson();
            assertEquals("to-user", n.getString("entityId"));
            assertTrue(n.getBoolean("private"));
            assertEquals(200, HttpApi.post(server.port(), "publish",
                    "{\"message\":" + messageJson("to-all-" + user, "x") + ",\"all\":{}}").status());
            c.nextJson(o -> ("to-all-" + user).equals(o.getString("entityId", null)));
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc.stub().publish(
                PublishRequest.newBuilder().setMessage(GrpcClient.info("x", "y")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        HttpApi.Response bad = HttpApi.post(server.port(), "Publish", "{\"message\":{}}");
        assertEquals(400, bad.status());
        assertEquals("bad_request", bad.body().getJsonObject("error").getString("code"));
    }

    @Test
    void idempotentPublishIsDeliveredOnce() {
        String room = "idem-" + id();
        try (WsClient c = connect("bob")) {
            c.enter(room);
            PublishRequest req = PublishRequest.newBuilder().setMessage(GrpcClient.info("once", "x"))
                    .setRoom(room).setIdempotencyKey("order-1-shipped").build();
            PublishResponse first = grpc.stub().publish(req);
            PublishResponse retry = grpc.stub().publish(req);
            assertFalse(first.getDuplicate());
            assertTrue(retry.getDuplicate());
            assertEquals(first.getPosition(), retry.getPosition());
            HttpApi.Response viaHttp = HttpApi.post(server.port(), "Publish", "{\"message\":" + messageJson("once", "x")
                    + ",\"room\":\"" + room + "\",\"idempotencyKey\":\"order-1-shipped\"}");
            assertTrue(viaHttp.body().getBoolean("duplicate"));
            grpc.stub().publish(PublishRequest.newBuilder().setMessage(GrpcClient.info("marker", "x")).setRoom(room).build());
            assertEquals("once", c.nextJson().getString("entityId"));
            assertEquals("marker", c.nextJson().getString("entityId"), "the retries were not delivered");
        }
    }

    @Test
    void historyWithSinceLimitAndReverse() {
        String room = "hist-" + id();
        for (int i = 1; i <= 5; i++) {
            grpc.stub().publish(PublishRequest.newBuilder().setMessage(GrpcClient.info("h" + i, "body" + i)).setRoom(room).build());
        }
        HistoryResponse all = grpc.stub().history(HistoryRequest.newBuilder().setRoom(room).build());
        assertEquals(5, all.getPublicationsCount());
        assertEquals(5, all.getPosition().getOffset());
        assertEquals("body1", all.getPublications(0).getMessage().getStringValue());
        HistoryResponse since = grpc.stub().history(HistoryRequest.newBuilder().setRoom(room)
                .setSince(StreamPosition.newBuilder().setOffset(3).setEpoch(all.getPosition().getEpoch())).setLimit(1).build());
        assertEquals(1, since.getPublicationsCount());
        assertEquals("h4", since.getPublications(0).getEntityId());
        HistoryResponse newest = grpc.stub().history(HistoryRequest.newBuilder().setRoom(room).setLimit(2).setReverse(true).build());
        assertEquals("h5", newest.getPublications(0).getEntityId());
        assertEquals("h4", newest.getPublications(1).getEntityId());

        HttpApi.Response h = HttpApi.post(server.port(), "History", "{\"room\":\"" + room + "\",\"limit\":2,\"reverse\":true}");
        assertEquals(200, h.status());
        assertEquals("h5", h.body().getJsonArray("publications").getJsonObject(0).getString("entityId"));
        assertEquals("body5", h.body().getJsonArray("publications").getJsonObject(0).getString("message"));
    }

    @Test
    void presenceAfterConnectLeaveAndAbruptDisconnect() throws Exception {
        String room = "pres-" + id();
        try (WsClient a = connect("pa"); WsClient b = connect("pb")) {
            a.enter(room);
            b.enter(room);
            RawWebSocket raw = RawWebSocket.connect(server.port(), "/ws?t=" + Tokens.forUser("pc"), Map.of());
            raw.sendText("{\"id\":1,\"action\":\"enter\",\"room\":\"" + room + "\"}");
            assertTrue(raw.read(Duration.ofSeconds(10)).text().contains("\"ok\":true"));

            assertEquals(3, grpc.stub().presence(PresenceRequest.newBuilder().setRoom(room).build()).getPresenceCount());
            PresenceStatsResponse stats = grpc.stub().presenceStats(PresenceStatsRequest.newBuilder().setRoom(room).build());
            assertEquals(3, stats.getNumClients());
            assertEquals(3, stats.getNumUsers());
            HttpApi.Response hp = HttpApi.post(server.port(), "Presence", "{\"room\":\"" + room + "\"}");
            assertEquals(3, hp.body().getJsonObject("presence").size());
            assertTrue(hp.body().getJsonObject("presence").values().stream()
                    .anyMatch(v -> "pa".equals(v.asJsonObject().getString("userId"))));

            b.request("{\"id\":2,\"action\":\"leave\",\"room\":\"" + room + "\"}", 2);
            assertEquals(2, grpc.stub().presenceStats(PresenceStatsRequest.newBuilder().setRoom(room).build()).getNumClients());

            raw.close(); // no close frame: an abrupt disconnect
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    grpc.stub().presenceStats(PresenceStatsRequest.newBuilder().setRoom(room).build()).getNumClients() == 1);
            HttpApi.Response hs = HttpApi.post(server.port(), "PresenceStats", "{\"room\":\"" + room + "\"}");
            assertEquals(1, hs.body().getInt("numClients"));
        }
    }

    @Test
    void joinAndLeaveEventsInConfiguredRooms() {
        String room = "events:" + id();
        try (WsClient watcher = connect("watcher"); WsClient other = connect("joiner")) {
            watcher.enter(room);
            other.enter(room);
            JsonObject join = watcher.nextJson(o -> "join".equals(o.getString("type", null)) && "joiner".equals(o.getString("entityId")));
            assertEquals("joiner", join.getJsonObject("message").getString("user"));
            assertEquals(room, join.getString("room"));
            other.close();
            JsonObject leave = watcher.nextJson(o -> "leave".equals(o.getString("type", null)));
            assertEquals("joiner", leave.getString("entityId"));
        }
    }

    @Test
    void subscribeAndUnsubscribeAUsersConnections() {
        String user = "s-" + id();
        String room = "sub-" + id();
        try (WsClient tab1 = connect(user).ready(); WsClient tab2 = connect(user).ready()) {
            assertEquals(2, grpc.stub().subscribe(SubscribeRequest.newBuilder().setUserId(user).setRoom(room).build()).getConnections());
            grpc.stub().publish(PublishRequest.newBuilder().setMessage(GrpcClient.info("in-room", "x")).setRoom(room).build());
            assertEquals("in-room", tab1.nextJson().getString("entityId"));
            assertEquals("in-room", tab2.nextJson().getString("entityId"));
            HttpApi.Response u = HttpApi.post(server.port(), "Unsubscribe", "{\"userId\":\"" + user + "\",\"room\":\"" + room + "\"}");
            assertEquals(2, u.body().getInt("connections"));
            grpc.stub().publish(PublishRequest.newBuilder().setMessage(GrpcClient.info("gone", "x")).setRoom(room).build());
            grpc.stub().publish(PublishRequest.newBuilder().setMessage(GrpcClient.info("mark", "x")).setUserId(user).build());
            assertEquals("mark", tab1.nextJson().getString("entityId"));
            assertEquals(2, HttpApi.post(server.port(), "Subscribe", "{\"userId\":\"" + user + "\",\"room\":\"" + room + "\"}")
                    .body().getInt("connections"));
            assertEquals(0, grpc.stub().unsubscribe(UnsubscribeRequest.newBuilder().setUserId("nobody").setRoom(room).build())
                    .getConnections());
        }
    }

    @Test
    void disconnectClosesEveryConnectionOfTheUser() {
        String user = "d-" + id();
        // ready(): the server has registered each connection before the backend acts on it.
        try (WsClient tab1 = connect(user).ready(); WsClient tab2 = connect(user).ready();
             WsClient other = connect("bystander").ready()) {
            assertEquals(2, grpc.stub().disconnect(DisconnectRequest.newBuilder().setUserId(user).build()).getConnections());
            assertEquals(4503, tab1.awaitClose());
            assertEquals(4503, tab2.awaitClose());
            assertFalse(other.isClosed());
        }
        try (WsClient again = connect(user).ready()) {
            HttpApi.Response r = HttpApi.post(server.port(), "Disconnect", "{\"userId\":\"" + user + "\",\"reconnect\":true}");
            assertEquals(1, r.body().getInt("connections"));
            assertEquals(4005, again.awaitClose());
        }
    }

    @Test
    void roomsAndInfo() {
        String prefix = "rooms-" + id();
        try (WsClient a = connect("ra"); WsClient b = connect("rb")) {
            a.enter(prefix + ":one");
            b.enter(prefix + ":one");
            b.enter(prefix + ":two");
            var rooms = grpc.stub().rooms(RoomsRequest.newBuilder().setPattern(prefix + ":*").build()).getRoomsMap();
            assertEquals(2, rooms.get(prefix + ":one").getNumClients());
            assertEquals(1, rooms.get(prefix + ":two").getNumClients());
            HttpApi.Response hr = HttpApi.post(server.port(), "Rooms", "{\"pattern\":\"" + prefix + ":t*\"}");
            assertEquals(1, hr.body().getJsonObject("rooms").size());
            InfoResponse info = grpc.stub().info(InfoRequest.getDefaultInstance());
            assertTrue(info.getNumClients() >= 2);
            assertFalse(info.getNodeId().isEmpty());
            assertEquals(1, info.getNodesCount(), "one node");
            assertEquals(info.getNodeId(), info.getNodes(0).getNodeId());
            assertEquals(info.getNumClients(), info.getNodes(0).getNumClients());
            assertTrue(info.getNumRooms() >= 2);
            HttpApi.Response hi = HttpApi.post(server.port(), "Info", "{}");
            assertEquals(info.getNodeId(), hi.body().getString("nodeId"));
        }
    }

    @Test
    void oldRpcsHaveHttpTwinsToo() {
        String user = "old-" + id();
        try (WsClient c = connect(user).ready()) {
            HttpApi.Response r = HttpApi.post(server.port(), "PrivateNotify",
                    "{\"base\":" + messageJson("old-http", "hello") + ",\"userId\":\"" + user + "\"}");
            assertEquals(200, r.status());
            assertEquals("hello", c.nextJson().getString("message"));
        }
        assertEquals(Empty.getDefaultInstance(), grpc.stub().broadcast(GrpcClient.info("x", "y")));
    }

    @Test
    void httpApiErrors() {
        int port = server.port();
        HttpApi.Response noKey = HttpApi.send(port, "Info", "POST", "{}", null);
        assertEquals(401, noKey.status());
        assertEquals("unauthorized", noKey.body().getJsonObject("error").getString("code"));
        assertEquals(401, HttpApi.send(port, "Info", "POST", "{}", "Bearer wrong").status());
        assertEquals(404, HttpApi.post(port, "Nope", "{}").status());
        assertEquals(405, HttpApi.send(port, "Info", "GET", null, "Bearer " + GrpcClient.API_KEY).status());
        HttpApi.Response malformed = HttpApi.post(port, "Publish", "{not json");
        assertEquals(400, malformed.status());
        assertEquals(400, HttpApi.post(port, "Publish", "{\"unknownField\":1}").status());
        assertEquals(400, HttpApi.post(port, "PrivateNotify", "{\"base\":{},\"userId\":\"\"}").status());
    }

    /**
     * A body declared larger than the limit is refused unread. The client sends only the head: a
     * server that refuses a body unread closes the connection, and a client still uploading it
     * may then see a reset before the answer (the JDK client's Expect: 100-continue, which would
     * avoid that, never returns when the answer is not 100 on Java 17).
     */
    @Test
    void anOversizedBodyIsRefusedUnread() throws Exception {
        try (SlowRequests slow = new SlowRequests(server.port())) {
            SlowRequests.Slow tooBig = slow.body("Bearer " + GrpcClient.API_KEY, 2L << 20);
            assertEquals(413, tooBig.answer().get(30, TimeUnit.SECONDS).status());
        }
    }
}
