package dev.socketserver.it.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.RedisServers;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.DisconnectRequest;
import dev.socketserver.transport.grpc.proto.InfoRequest;
import dev.socketserver.transport.grpc.proto.InfoResponse;
import dev.socketserver.transport.grpc.proto.NodeStats;
import dev.socketserver.transport.grpc.proto.PresenceRequest;
import dev.socketserver.transport.grpc.proto.PresenceStatsRequest;
import dev.socketserver.transport.grpc.proto.PresenceStatsResponse;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import dev.socketserver.transport.grpc.proto.PublishResponse;
import dev.socketserver.transport.grpc.proto.RoomsRequest;
import dev.socketserver.transport.grpc.proto.SubscribeRequest;
import dev.socketserver.transport.grpc.proto.UnsubscribeRequest;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: three nodes (stock Tomcat, stock Jetty, embedded Jetty; separate processes) on the
 * machine's Redis behave as one server: delivery for every target from any node, one order per
 * stream with publishers on two nodes, presence, rooms and info from every node, user
 * operations reaching other nodes, idempotent publishing across nodes.
 */
class ClusterIT {
    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.start(RedisServers.shared().get(0), Map.of("HISTORY_SIZE", "1000"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String id() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static PublishRequest.Builder publication(String entityId) {
        return PublishRequest.newBuilder().setMessage(GrpcClient.info(entityId, entityId));
    }

    /** The next notification (not a reply) whose entityId starts with {@code tag}. */
    private static JsonObject next(WsClient c, String tag) {
        return c.nextJson(o -> !o.containsKey("id") && o.getString("entityId", "").startsWith(tag));
    }

    @Test
    void everyTargetPublishedOnOneNodeReachesConnectionsOnEveryNode() {
        String t = id();
        String room = "cross-" + t;
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int n = 0; n < cluster.size(); n++) {
                WsClient c = cluster.connect(n, "cross-" + n + "-" + t);
                c.enter(room);
                clients.add(c);
            }
            for (int from = 0; from < cluster.size(); from++) {
                var stub = cluster.grpc(from).stub();
                stub.publish(publication(t + "-all-" + from).setAll(Empty.getDefaultInstance()).build());
                stub.publish(publication(t + "-room-" + from).setRoom(room).build());
                int to = (from + 1) % cluster.size();
                stub.publish(publication(t + "-user-" + from).setUserId("cross-" + to + "-" + t).build());
                for (int n = 0; n < cluster.size(); n++) {
                    WsClient c = clients.get(n);
                    assertEquals(t + "-all-" + from, next(c, t).getString("entityId"), "broadcast to node " + n);
                    JsonObject inRoom = next(c, t);
                    assertEquals(t + "-room-" + from, inRoom.getString("entityId"), "room to node " + n);
                    assertEquals(room, inRoom.getString("room"));
                    if (n == to) {
                        JsonObject mine = next(c, t);
                        assertEquals(t + "-user-" + from, mine.getString("entityId"));
                        assertTrue(mine.getBoolean("private"));
                    }
                }
            }
            // Nothing private leaked: a last broadcast is everyone's next notification.
            cluster.grpc(2).stub().publish(publication(t + "-end").setAll(Empty.getDefaultInstance()).build());
            for (WsClient c : clients) {
                assertEquals(t + "-end", next(c, t).getString("entityId"));
            }
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    @Test
    void publishersOnTwoNodesAtOnceGiveEverySubscriberOneOrder() throws Exception {
        String t = id();
        String room = "order-" + t;
        int perPublisher = 150;
        List<WsClient> clients = new ArrayList<>();
        try {
            for (int n = 0; n < cluster.size(); n++) {
                WsClient c = cluster.connect(n, "order-" + n + "-" + t);
                c.enter(room);
                clients.add(c);
            }
            List<CompletableFuture<Void>> publishers = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                var grpc = cluster.grpc(p);
                String tag = t + "-p" + p + "-";
                publishers.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < perPublisher; i++) {
                        // A stub's deadline is fixed when the stub is made: one per call.
                        grpc.stub().publish(publication(tag + i).setRoom(room).build());
                    }
                }));
            }
            for (CompletableFuture<Void> p : publishers) {
                p.get(60, TimeUnit.SECONDS);
            }
            List<List<String>> seen = new ArrayList<>();
            for (WsClient c : clients) {
                List<String> order = new ArrayList<>();
                long expectedOffset = -1;
                String epoch = null;
                int[] nextOf = new int[2];
                for (int i = 0; i < 2 * perPublisher; i++) {
                    JsonObject o = next(c, t);
                    long offset = o.getJsonNumber("offset").longValue();
                    if (expectedOffset >= 0) {
                        assertEquals(expectedOffset, offset, "offsets follow each other");
                        assertEquals(epoch, o.getString("epoch"));
                    }
                    expectedOffset = offset + 1;
                    epoch = o.getString("epoch");
                    String e = o.getString("entityId");
                    int p = e.startsWith(t + "-p0-") ? 0 : 1;
                    assertEquals(t + "-p" + p + "-" + nextOf[p], e, "each publisher's order kept");
                    nextOf[p]++;
                    order.add(e);
                }
                seen.add(order);
            }
            assertEquals(seen.get(0), seen.get(1), "same order on tomcat and jetty");
            assertEquals(seen.get(0), seen.get(2), "same order on tomcat and embedded");
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    @Test
    void presenceRoomsAndInfoAnswerForTheWholeClusterFromEveryNode() {
        String t = id();
        String room = "pres-" + t;
        List<WsClient> clients = new ArrayList<>();
        try {
            // Two users: "a" on tomcat and jetty, "b" on embedded.
            clients.add(cluster.connect(0, "pa-" + t));
            clients.add(cluster.connect(1, "pa-" + t));
            clients.add(cluster.connect(2, "pb-" + t));
            for (WsClient c : clients) {
                c.enter(room);
            }
            for (int n = 0; n < cluster.size(); n++) {
                var stub = cluster.grpc(n).stub();
                var presence = stub.presence(PresenceRequest.newBuilder().setRoom(room).build()).getPresenceMap();
                assertEquals(3, presence.size(), "presence from node " + n + ": " + presence);
                assertEquals(Set.of("pa-" + t, "pb-" + t),
                        presence.values().stream().map(ci -> ci.getUserId()).collect(Collectors.toSet()));
                PresenceStatsResponse stats = stub.presenceStats(PresenceStatsRequest.newBuilder().setRoom(room).build());
                assertEquals(3, stats.getNumClients());
                assertEquals(2, stats.getNumUsers());
                var rooms = stub.rooms(RoomsRequest.newBuilder().setPattern("pres-" + t + "*").build()).getRoomsMap();
                assertEquals(Set.of(room), rooms.keySet());
                assertEquals(3, rooms.get(room).getNumClients(), "summed over the nodes");
                InfoResponse info = stub.info(InfoRequest.getDefaultInstance());
                assertEquals(Cluster.IDS.get(n), info.getNodeId(), "the node asked names itself");
                assertEquals(Set.copyOf(Cluster.IDS),
                        info.getNodesList().stream().map(NodeStats::getNodeId).collect(Collectors.toSet()));
                assertEquals(info.getNumClients(), info.getNodesList().stream().mapToInt(NodeStats::getNumClients).sum());
                for (NodeStats s : info.getNodesList()) {
                    assertTrue(s.getNumClients() >= 1, "each node holds one of ours: " + s);
                    assertTrue(s.getNumRooms() >= 1, s.toString());
                }
                assertTrue(info.getNumRooms() < info.getNodesList().stream().mapToInt(NodeStats::getNumRooms).sum(),
                        "our room is on three nodes and counts once: " + info);
            }
        } finally {
            clients.forEach(WsClient::close);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.grpc(1).stub()
                .presenceStats(PresenceStatsRequest.newBuilder().setRoom(room).build()).getNumClients() == 0);
    }

    @Test
    void subscribeUnsubscribeAndDisconnectReachTheUsersConnectionsOnOtherNodes() {
        String t = id();
        String user = "carol-" + t;
        String room = "ops-" + t;
        try (WsClient onJetty = cluster.connect(1, user); WsClient onEmbedded = cluster.connect(2, user)) {
            var tomcat = cluster.grpc(0).stub();
            assertEquals(2, tomcat.subscribe(SubscribeRequest.newBuilder().setUserId(user).setRoom(room).build())
                    .getConnections());
            tomcat.publish(publication(t + "-in").setRoom(room).build());
            assertEquals(t + "-in", next(onJetty, t).getString("entityId"));
            assertEquals(t + "-in", next(onEmbedded, t).getString("entityId"));
            assertEquals(2, tomcat.unsubscribe(UnsubscribeRequest.newBuilder().setUserId(user).setRoom(room).build())
                    .getConnections());
            tomcat.publish(publication(t + "-out").setRoom(room).build());
            tomcat.publish(publication(t + "-mine").setUserId(user).build());
            assertEquals(t + "-mine", next(onJetty, t).getString("entityId"), "the room's notification did not come");
            assertEquals(t + "-mine", next(onEmbedded, t).getString("entityId"));
            assertEquals(2, tomcat.disconnect(DisconnectRequest.newBuilder().setUserId(user).build()).getConnections());
            assertEquals(4503, onJetty.awaitClose());
            assertEquals(4503, onEmbedded.awaitClose());
        }
    }

    @Test
    void anIdempotentPublishIsDeduplicatedWhicheverNodeTheRetryReaches() {
        String t = id();
        String room = "idem-" + t;
        try (WsClient c = cluster.connect(2, "idem-" + t)) {
            c.enter(room);
            PublishRequest req = publication(t + "-once").setRoom(room).setIdempotencyKey("key-" + t).build();
            PublishResponse first = cluster.grpc(0).stub().publish(req);
            assertFalse(first.getDuplicate());
            Set<Long> offsets = new HashSet<>();
            offsets.add(first.getPosition().getOffset());
            for (int n = 0; n < cluster.size(); n++) {
                PublishResponse retry = cluster.grpc(n).stub().publish(req);
                assertTrue(retry.getDuplicate(), "retry through node " + n);
                offsets.add(retry.getPosition().getOffset());
            }
            assertEquals(1, offsets.size(), "every retry answers the first publication's position: " + offsets);
            cluster.grpc(1).stub().publish(publication(t + "-after").setRoom(room).build());
            assertEquals(t + "-once", next(c, t).getString("entityId"));
            assertEquals(t + "-after", next(c, t).getString("entityId"), "delivered once");
        }
    }
}
