package dev.socketserver.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.broker.Gap;
import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.broker.memory.MemoryEngine;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.hub.Client;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Target;
import dev.socketserver.presence.ClientInfo;
import dev.socketserver.presence.PresenceStats;
import dev.socketserver.presence.memory.MemoryPresenceManager;
import dev.socketserver.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one engine and one presence store, in one JVM: what a second server needs from
 * the seams (interest, control, gaps, presence that expires with its node).
 */
class NodeClusterTest {
    private static final Duration PRESENCE_TTL = Duration.ofSeconds(60);

    private final ManualClock clock = new ManualClock();
    private MemoryEngine engine;
    private MemoryPresenceManager presence;
    private Node a;
    private Node b;

    @BeforeEach
    void start() {
        engine = new MemoryEngine(MemoryBroker.Limits.defaults(), clock);
        presence = new MemoryPresenceManager(clock, PRESENCE_TTL);
        a = node();
        b = node();
    }

    private Node node() {
        return new Node(new NodeOptions(1 << 20, Duration.ofHours(1), Duration.ofHours(1), 128, 1000, 100, 2, 8L << 20,
                PRESENCE_TTL), new MemoryBroker(engine), presence, HistorySettings.defaults(), List.of("events:*"));
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        engine.close();
    }

    private static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void aPublicationOnOneNodeReachesMembersOnTheOtherAndInterestFollowsMembers() {
        assertEquals(1, b.followedStreams(), "the broadcast stream only");
        TestTransport tb = new TestTransport();
        Client onB = b.connect("bob", tb);
        join(b.enter(onB, "r", null));
        assertEquals(3, b.followedStreams(), "broadcast, bob's stream, room r");
        join(a.publish(Target.room("r"), new Notification("info", "to-r", "0")));
        join(a.publish(Target.user("bob"), new Notification("info", "to-bob", "0")));
        join(a.publish(Target.all(), new Notification("info", "to-all", "0")));
        tb.awaitFrames("\"entityId\":\"to-r\"", "\"entityId\":\"to-bob\"", "\"entityId\":\"to-all\"");
        b.leave(onB, "r");
        assertEquals(2, b.followedStreams());
        onB.close(dev.socketserver.hub.Disconnect.FORCE_RECONNECT);
        assertEquals(1, b.followedStreams());
    }

    @Test
    void subscribeUnsubscribeDisconnectRoomsAndInfoReachEveryNode() {
        TestTransport ta = new TestTransport();
        TestTransport tb = new TestTransport();
        Client onA = a.connect("carol", ta);
        Client onB = b.connect("carol", tb);
        b.connect("dave", new TestTransport());
        assertEquals(2, join(a.subscribeUser("carol", "s")));
        assertEquals(Set.of("s"), onB.rooms());
        Map<String, ClientInfo> here = join(a.presence("s"));
        assertEquals(Set.of(a.nodeId(), b.nodeId()), Set.of(here.get(onA.id()).nodeId(), here.get(onB.id()).nodeId()));
        assertEquals(Map.of("s", 2), join(b.rooms("s*")));
        join(a.enter(onA, "only-a", null));
        NodeInfo info = join(a.info());
        assertEquals(a.nodeId(), info.nodeId());
        assertEquals(3, info.clients(), "counts of both nodes");
        assertEquals(2, info.rooms(), "room s is on both nodes and counts once; only-a once");
        assertEquals(3, info.users(), "carol on a, carol and dave on b: each node's users, summed");
        assertEquals(List.of(a.nodeId(), b.nodeId()).stream().sorted().toList(),
                info.nodes().stream().map(NodeInfo.Member::nodeId).toList());
        NodeInfo.Member ofB = info.nodes().stream().filter(m -> m.nodeId().equals(b.nodeId())).findFirst().orElseThrow();
        assertEquals(2, ofB.clients());
        assertEquals(2, ofB.users());
        assertEquals(1, ofB.rooms());
        assertEquals(b.nodeId(), join(b.info()).nodeId(), "the node asked names itself");
        a.leave(onA, "only-a");
        assertEquals(2, join(b.unsubscribeUser("carol", "s")));
        assertEquals(Set.of(), onA.rooms());
        assertEquals(Map.of(), join(a.rooms(null)));
        assertEquals(2, join(b.disconnectUser("carol", false)));
        assertEquals(4503, ta.closedWith);
        assertEquals(4503, tb.closedWith);
    }

    @Test
    void aGapInAStreamClosesItsMembersOnThatNodeWith4006AndALostLinkClosesEveryone() {
        TestTransport inRoom = new TestTransport();
        TestTransport elsewhere = new TestTransport();
        TestTransport onA = new TestTransport();
        join(b.enter(b.connect("u1", inRoom), "g", null));
        join(b.enter(b.connect("u2", elsewhere), "other", null));
        join(a.enter(a.connect("u3", onA), "g", null));
        b.onGap(new Gap.Stream(Target.room("g")));
        assertEquals(4006, inRoom.closedWith);
        assertNull(elsewhere.closedWith);
        assertNull(onA.closedWith, "the other node had no gap");
        b.onGap(new Gap.LinkLost("engine restarted"));
        assertEquals(4006, elsewhere.closedWith);
        assertNull(onA.closedWith);
    }

    @Test
    void aNodeThatStopsRefreshingLosesItsPresenceAndAddsItAgainWhenBack() {
        Client onA = a.connect("alice", new TestTransport());
        Client onB = b.connect("bob", new TestTransport());
        join(a.enter(onA, "p", null));
        join(b.enter(onB, "p", null));
        assertEquals(new PresenceStats(2, 2), join(a.presenceStats("p")));
        // Node b stops (no goodbye); a keeps refreshing.
        clock.advance(PRESENCE_TTL.dividedBy(2));
        a.refreshPresence();
        clock.advance(PRESENCE_TTL.dividedBy(2).plusSeconds(1));
        assertEquals(Set.of(onA.id()), join(a.presence("p")).keySet());
        // b comes back: its refresh finds its entries expired and adds them again.
        b.refreshPresence();
        assertEquals(Set.of(onA.id(), onB.id()), join(a.presence("p")).keySet());
    }

    @Test
    void aNodeClosingSaysGoodbyeSoItsEntriesGoAtOnce() {
        Client onA = a.connect("alice", new TestTransport());
        join(a.enter(onA, "bye", null));
        join(b.enter(b.connect("bob", new TestTransport()), "bye", null));
        b.close();
        assertEquals(Set.of(onA.id()), join(a.presence("bye")).keySet());
        assertFalse(onA.isClosed());
        assertEquals(1, join(a.info()).clients(), "a closed node answers no control");
    }
}
