package dev.socketserver.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.hub.Client;
import dev.socketserver.hub.Disconnect;
import dev.socketserver.message.Notification;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import dev.socketserver.presence.PresenceStats;
import dev.socketserver.presence.memory.MemoryPresenceManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Node}'s enter, leave and recover, with the memory broker and presence and test transports. */
class NodeTest {
    private Node node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
    }

    private Node node(Broker broker, int maxRooms) {
        node = new Node(new NodeOptions(1 << 20, Duration.ofHours(1), Duration.ofHours(1), maxRooms, 1000, 100, 2, 8L << 20),
                broker, new MemoryPresenceManager(),
                new HistorySettings(100, Duration.ofMinutes(5), List.of(new HistorySettings.RoomOverride("plain:*", 0,
                        Duration.ofMinutes(5))), Duration.ofMinutes(5)),
                List.of("events:*"));
        return node;
    }

    private Node node() {
        return node(new MemoryBroker(), 128);
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private StreamPosition publish(Target target, String entityId) {
        return join(node.publish(target, new Notification("info", entityId, "0"))).position();
    }

    private static ErrorCode codeOf(Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return ((ServerException) e).code();
    }

    @Test
    void enterJoinsOnceWithPresenceAndOneJoinEventAndAnswersThePosition() {
        Node n = node();
        TestTransport watcher = new TestTransport();
        n.enter(n.connect("w", watcher), "events:a", null);
        Client c = n.connect("alice", new TestTransport());
        EnterResult first = join(n.enter(c, "events:a", null));
        EnterResult again = join(n.enter(c, "events:a", null));
        assertEquals(0, first.position().offset());
        assertNull(first.recovered(), "no recovery asked");
        assertEquals(first.position(), again.position());
        assertEquals(Set.of("events:a"), c.rooms());
        assertEquals(new PresenceStats(2, 2), join(n.presenceStats("events:a")));
        assertEquals("alice", join(n.presence("events:a")).get(c.id()).userId());
        watcher.awaitFrames("\"type\":\"join\",\"entityId\":\"w\"", "\"type\":\"join\",\"entityId\":\"alice\"");
    }

    @Test
    void aRoomWithoutHistoryAnswersNoPosition() {
        Node n = node();
        Client c = n.connect("alice", new TestTransport());
        EnterResult r = join(n.enter(c, "plain:x", null));
        assertNull(r.position());
        EnterResult recovering = join(n.enter(n.connect("bob", new TestTransport()), "plain:x", new StreamPosition(3, "e")));
        assertEquals(Boolean.FALSE, recovering.recovered(), "nothing to recover from without history");
    }

    @Test
    void leaveIsIdempotentRemovesPresenceAndSendsOneLeaveEvent() {
        Node n = node();
        TestTransport watcher = new TestTransport();
        n.enter(n.connect("w", watcher), "events:b", null);
        Client c = n.connect("alice", new TestTransport());
        join(n.enter(c, "events:b", null));
        n.leave(c, "events:b");
        n.leave(c, "events:b");
        n.leave(c, "never-entered");
        assertEquals(Set.of(), c.rooms());
        assertEquals(new PresenceStats(1, 1), join(n.presenceStats("events:b")));
        assertEquals(Map.of("events:b", 1), join(n.rooms(null)));
        watcher.awaitFrames("\"join\"", "\"type\":\"join\",\"entityId\":\"alice\"", "\"type\":\"leave\",\"entityId\":\"alice\"");
    }

    @Test
    void theRoomLimitRefusesANewRoomButNotOneAlreadyEntered() {
        Node n = node(new MemoryBroker(), 2);
        Client c = n.connect("alice", new TestTransport());
        join(n.enter(c, "r1", null));
        join(n.enter(c, "r2", null));
        ServerException e = assertThrows(ServerException.class, () -> n.enter(c, "r3", null));
        assertEquals(ErrorCode.LIMIT_EXCEEDED, e.code());
        join(n.enter(c, "r2", null));
        assertEquals(ErrorCode.BAD_REQUEST, assertThrows(ServerException.class, () -> n.enter(c, "", null)).code());
    }

    @Test
    void enterWithSinceWhileAMemberIsRecoveredOnlyAtTheCurrentPosition() {
        Node n = node();
        Client c = n.connect("alice", new TestTransport());
        join(n.enter(c, "m", null));
        StreamPosition now = publish(Target.room("m"), "x");
        assertEquals(Boolean.TRUE, join(n.enter(c, "m", now)).recovered());
        assertEquals(Boolean.FALSE, join(n.enter(c, "m", new StreamPosition(0, now.epoch()))).recovered());
        assertEquals(Boolean.FALSE, join(n.enter(c, "m", new StreamPosition(now.offset(), "other"))).recovered());
    }

    @Test
    void recoverReplaysAStreamBegunAtConnectThenGoesLive() {
        Node n = node();
        Target mine = Target.user("alice");
        StreamPosition seen = publish(mine, "p1");
        publish(mine, "p2");
        publish(mine, "p3");
        TestTransport t = new TestTransport();
        Client c = n.connect("alice", t, List.of(mine));
        publish(mine, "p4"); // held back until the replay
        EnterResult r = join(n.recover(c, mine, seen));
        assertEquals(Boolean.TRUE, r.recovered());
        publish(mine, "p5");
        t.awaitFrames("\"p2\"", "\"p3\"", "\"p4\"", "\"p5\"");
        assertThrows(IllegalStateException.class, () -> n.recover(c, mine, seen), "no recovery begun any more");
    }

    @Test
    void enterWithSinceWhenHistoryIsUnavailableAnswersUnavailableAndLeavesTheRoom() {
        GatedBroker broker = new GatedBroker();
        Node n = node(broker, 128);
        StreamPosition p = publish(Target.room("events:down"), "x");
        TestTransport watcher = new TestTransport();
        n.enter(n.connect("w", watcher), "events:down", null);
        Client c = n.connect("alice", new TestTransport());
        broker.failing = true;
        CompletionException e = assertThrows(CompletionException.class, () -> join(n.enter(c, "events:down", p)));
        assertEquals(ErrorCode.UNAVAILABLE, codeOf(e));
        assertEquals(Set.of(), c.rooms(), "not in the room with a gap");
        assertEquals(new PresenceStats(1, 1), join(n.presenceStats("events:down")));
        assertFalse(c.isClosed());
        broker.failing = false;
        assertEquals(Boolean.TRUE, join(n.enter(c, "events:down", p)).recovered(), "a retry works");
    }

    @Test
    void aHandshakeRecoveryWithUnavailableHistoryClosesWithStreamGap() {
        GatedBroker broker = new GatedBroker();
        Node n = node(broker, 128);
        TestTransport t = new TestTransport();
        Client c = n.connect("alice", t, List.of(Target.all()));
        broker.failing = true;
        assertThrows(CompletionException.class, () -> join(n.recover(c, Target.all(), new StreamPosition(1, "e"))));
        assertTrue(c.isClosed());
        assertEquals(4006, t.closedWith);
    }

    @Test
    void closingAClientLeavesEveryRoomWithItsPresenceAndLeaveEvents() {
        Node n = node();
        TestTransport watcher = new TestTransport();
        n.enter(n.connect("w", watcher), "events:c", null);
        Client c = n.connect("alice", new TestTransport());
        join(n.enter(c, "events:c", null));
        join(n.enter(c, "other", null));
        c.close(Disconnect.FORCE_RECONNECT);
        assertEquals(1, join(n.info()).clients());
        assertEquals(Map.of("events:c", 1), join(n.rooms(null)));
        assertTrue(join(n.presence("other")).isEmpty());
        watcher.awaitFrames("\"join\"", "\"type\":\"join\",\"entityId\":\"alice\"", "\"type\":\"leave\",\"entityId\":\"alice\"");
    }

    @Test
    void backendSubscribeUnsubscribeAndDisconnectActOnEveryConnectionOfTheUser() {
        Node n = node();
        TestTransport t1 = new TestTransport();
        TestTransport t2 = new TestTransport();
        Client a = n.connect("alice", t1);
        Client b = n.connect("alice", t2);
        n.connect("bob", new TestTransport());
        assertEquals(2, join(n.subscribeUser("alice", "s")));
        assertEquals(Set.of("s"), a.rooms());
        assertEquals(new PresenceStats(2, 1), join(n.presenceStats("s")));
        assertEquals(2, join(n.unsubscribeUser("alice", "s")));
        assertEquals(Set.of(), b.rooms());
        assertEquals(0, join(n.unsubscribeUser("alice", "s")));
        assertEquals(2, join(n.disconnectUser("alice", true)));
        assertEquals(4005, t1.closedWith);
        assertEquals(4005, t2.closedWith);
        assertEquals(0, join(n.disconnectUser("alice", false)));
        assertEquals(ErrorCode.BAD_REQUEST, assertThrows(ServerException.class, () -> join(n.subscribeUser("", "s"))).code());
    }

    @Test
    void aDrainingNodeRefusesConnections() {
        Node n = node();
        n.startDraining();
        assertEquals(ErrorCode.UNAVAILABLE, assertThrows(ServerException.class,
                () -> n.connect("alice", new TestTransport())).code());
    }
}
