package dev.socketserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 5: nothing a client was entitled to is lost across a reconnect. */
class RecoveryIT {
    static EmbeddedJetty server;
    static GrpcClient grpc;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> s = EmbeddedJetty.defaults();
        s.put("HISTORY_SIZE", "2000");
        s.put("HISTORY_ROOMS", "small:*=10");
        server = EmbeddedJetty.start(s);
        grpc = new GrpcClient(server.port());
    }

    @AfterAll
    static void stop() throws Exception {
        grpc.close();
        server.close();
    }

    static void toRoom(String room, String entityId) {
        grpc.stub().notifyRoom(MessageWithRoom.newBuilder().setBase(GrpcClient.info(entityId, entityId)).setRoom(room).build());
    }

    static String since(long offset, String epoch) {
        return "{\"offset\":" + offset + ",\"epoch\":\"" + epoch + "\"}";
    }

    @Test
    void reconnectingClientGetsExactlyWhatItMissedThenLiveOnesWhilePublishingContinues() throws Exception {
        String room = "recover-" + UUID.randomUUID();
        long lastOffset;
        String epoch;
        try (WsClient before = WsClient.connect(server.wsUrl(Tokens.forUser("r1")))) {
            JsonObject ack = before.enter(room);
            assertEquals(0, ack.getJsonNumber("offset").longValue());
            for (int i = 0; i < 5; i++) {
                toRoom(room, "pre-" + i);
            }
            JsonObject last = null;
            for (int i = 0; i < 5; i++) {
                last = before.nextJson();
            }
            lastOffset = last.getJsonNumber("offset").longValue();
            epoch = last.getString("epoch");
            assertEquals(5, lastOffset);
        }
        for (int i = 0; i < 100; i++) {
            toRoom(room, "missed-" + i);
        }
        int live = 300;
        try (WsClient after = WsClient.connect(server.wsUrl(Tokens.forUser("r1")))) {
            CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < live; i++) {
                    toRoom(room, "live-" + i);
                }
            });
            after.send("{\"id\":1,\"action\":\"enter\",\"room\":\"" + room + "\",\"since\":" + since(lastOffset, epoch) + "}");
            List<JsonObject> notes = new ArrayList<>();
            JsonObject reply = null;
            while (notes.size() < 100 + live) {
                JsonObject o = after.nextJson();
                if (o.containsKey("id")) {
                    reply = o;
                } else {
                    notes.add(o);
                }
            }
            publisher.get(60, TimeUnit.SECONDS);
            if (reply == null) {
                reply = after.nextJson(o -> o.containsKey("id"));
            }
            assertTrue(reply.getBoolean("recovered"), reply.toString());
            for (int i = 0; i < notes.size(); i++) {
                JsonObject n = notes.get(i);
                assertEquals(lastOffset + 1 + i, n.getJsonNumber("offset").longValue(), "no gap, no duplicate at " + i);
                assertEquals(epoch, n.getString("epoch"));
                assertEquals(room, n.getString("room"));
                if (i < 100) {
                    assertEquals("missed-" + i, n.getString("entityId"));
                } else {
                    assertEquals("live-" + (i - 100), n.getString("entityId"));
                }
            }
        }
    }

    @Test
    void tooOldPositionIsNotRecovered() {
        String room = "small:" + UUID.randomUUID();
        try (WsClient c = WsClient.connect(server.wsUrl(Tokens.forUser("r2")))) {
            JsonObject ack = c.enter(room);
            String epoch = ack.getString("epoch");
            c.send("{\"id\":3,\"action\":\"leave\",\"room\":\"" + room + "\"}");
            c.nextJson(o -> o.containsKey("id"));
            for (int i = 0; i < 20; i++) {
                toRoom(room, "m" + i);
            }
            JsonObject r = c.request("{\"id\":4,\"action\":\"enter\",\"room\":\"" + room + "\",\"since\":" + since(0, epoch) + "}", 4);
            assertFalse(r.getBoolean("recovered"));
            assertEquals(20, r.getJsonNumber("offset").longValue());
            assertEquals(epoch, r.getString("epoch"));
            toRoom(room, "after");
            assertEquals("after", c.nextJson().getString("entityId"), "nothing replayed when not recovered");
        }
    }

    @Test
    void changedEpochIsNotRecovered() {
        String room = "epoch-" + UUID.randomUUID();
        toRoom(room, "x");
        try (WsClient c = WsClient.connect(server.wsUrl(Tokens.forUser("r3")))) {
            JsonObject r = c.request("{\"id\":5,\"action\":\"enter\",\"room\":\"" + room + "\",\"since\":" + since(0, "gone") + "}", 5);
            assertFalse(r.getBoolean("recovered"));
            assertEquals(1, r.getJsonNumber("offset").longValue());
            assertFalse(r.getString("epoch").equals("gone"));
        }
    }

    @Test
    void currentPositionIsRecoveredWithNothingToReplay() {
        String room = "current-" + UUID.randomUUID();
        toRoom(room, "x");
        try (WsClient c = WsClient.connect(server.wsUrl(Tokens.forUser("r4")))) {
            JsonObject first = c.enter(room);
            c.send("{\"id\":6,\"action\":\"leave\",\"room\":\"" + room + "\"}");
            c.nextJson(o -> o.containsKey("id"));
            JsonObject r = c.request("{\"id\":7,\"action\":\"enter\",\"room\":\"" + room + "\",\"since\":"
                    + since(first.getJsonNumber("offset").longValue(), first.getString("epoch")) + "}", 7);
            assertTrue(r.getBoolean("recovered"));
        }
    }

    @Test
    void malformedSinceIsABadRequest() {
        try (WsClient c = WsClient.connect(server.wsUrl(Tokens.forUser("r5")))) {
            JsonObject r = c.request("{\"id\":8,\"action\":\"enter\",\"room\":\"r\",\"since\":{\"offset\":-1,\"epoch\":\"e\"}}", 8);
            assertEquals("bad_request", r.getJsonObject("error").getString("code"));
            assertEquals(400, WsClient.handshakeStatus(server.wsUrl(Tokens.forUser("r5")) + "&private_since=abc", Map.of()));
        }
    }

    @Test
    void privateAndBroadcastStreamsRecoverThroughHandshakeParameters() {
        String user = "rp-" + UUID.randomUUID();
        JsonObject lastPrivate;
        JsonObject lastAll;
        try (WsClient c = WsClient.connect(server.wsUrl(Tokens.forUser(user))).ready()) {
            grpc.stub().privateNotify(MessageWithUser.newBuilder().setBase(GrpcClient.info("p0", "x")).setUserId(user).build());
            lastPrivate = c.nextJson();
            assertTrue(lastPrivate.getBoolean("private"));
            grpc.stub().broadcast(GrpcClient.info("b0-" + user, "x"));
            lastAll = c.nextJson(o -> ("b0-" + user).equals(o.getString("entityId", null)));
        }
        for (int i = 1; i <= 3; i++) {
            grpc.stub().privateNotify(MessageWithUser.newBuilder().setBase(GrpcClient.info("p" + i, "x")).setUserId(user).build());
        }
        grpc.stub().broadcast(GrpcClient.info("b1-" + user, "x"));
        String url = server.wsUrl(Tokens.forUser(user))
                + "&private_since=" + lastPrivate.getJsonNumber("offset") + ":" + lastPrivate.getString("epoch")
                + "&all_since=" + lastAll.getJsonNumber("offset") + ":" + lastAll.getString("epoch");
        try (WsClient c = WsClient.connect(url)) {
            List<String> privateIds = new ArrayList<>();
            List<JsonObject> recovered = new ArrayList<>();
            boolean sawBroadcast = false;
            while (privateIds.size() < 3 || recovered.size() < 2 || !sawBroadcast) {
                JsonObject o = c.nextJson();
                if ("recovered".equals(o.getString("action", null))) {
                    recovered.add(o);
                } else if (o.getBoolean("private", false)) {
                    privateIds.add(o.getString("entityId"));
                } else if (("b1-" + user).equals(o.getString("entityId", null))) {
                    sawBroadcast = true;
                }
            }
            assertEquals(List.of("p1", "p2", "p3"), privateIds);
            for (JsonObject r : recovered) {
                assertTrue(r.getBoolean("recovered"), r.toString());
            }
        }
    }
}
