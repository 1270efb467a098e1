package dev.socketserver.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.PublishResult;
import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.hub.Client;
import dev.socketserver.message.Notification;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import dev.socketserver.presence.memory.MemoryPresenceManager;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Recovery through {@link Node#enter} with {@code since}: nothing lost silently, nothing wedged. */
class NodeRecoveryTest {
    private Node node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
    }

    private Node node(long queueBytes, int historySize, Broker broker) {
        node = new Node(new NodeOptions(queueBytes, Duration.ofHours(1), Duration.ofHours(1), 128, 1000, 100, 2, 1L << 40),
                broker, new MemoryPresenceManager(),
                new HistorySettings(historySize, Duration.ofMinutes(5), List.of(), Duration.ofMinutes(5)), List.of());
        return node;
    }

    private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private StreamPosition publish(String room, String entityId, String body) {
        PublishResult r = join(node.publish(Target.room(room), new Notification("info", entityId, body)));
        return r.position();
    }

    private static final jakarta.json.JsonReaderFactory JSON = Json.createReaderFactory(java.util.Map.of());

    private static JsonObject parse(String frame) {
        return JSON.createReader(new StringReader(frame)).readObject();
    }

    /** The entity ids of the notifications a transport got, in order. */
    private static List<String> entityIds(TestTransport t) {
        return t.framesNow().stream().map(NodeRecoveryTest::parse).filter(o -> o.containsKey("entityId"))
                .map(o -> o.getString("entityId")).toList();
    }

    /** Waits until the transport has {@code expected.size()} notifications (writes run on the writer pool), then compares. */
    private static void assertReceived(List<String> expected, TestTransport t) {
        await().atMost(Duration.ofSeconds(10)).until(() -> t.framesNow().size() >= expected.size());
        assertEquals(expected, entityIds(t));
    }

    /**
     * Defect 1: a client that recovered (3 replayed) while its room then went quiet and its
     * stream restarted under a new epoch must get every new notification (seen: only the ones
     * with offsets above the last replayed one).
     */
    @Test
    void afterARecoveryEveryNotificationOfANewEpochArrives() {
        RestartableBroker broker = new RestartableBroker();
        Node n = node(1 << 20, 100, broker);
        StreamPosition first = publish("q", "old1", "1");
        publish("q", "old2", "2");
        publish("q", "old3", "3");
        TestTransport t = new TestTransport();
        Client c = n.connect("u", t);
        EnterResult r = join(n.enter(c, "q", new StreamPosition(0, first.epoch())));
        assertEquals(Boolean.TRUE, r.recovered());
        assertReceived(List.of("old1", "old2", "old3"), t);
        broker.restart();
        for (int i = 1; i <= 5; i++) {
            publish("q", "new" + i, "0");
        }
        assertReceived(List.of("old1", "old2", "old3", "new1", "new2", "new3", "new4", "new5"), t);
    }

    /** Defect 2: after a recovery in a room that went quiet, leave then enter with since works. */
    @Test
    void leaveThenEnterWithSinceAfterARecoveryInAQuietRoom() {
        Node n = node(1 << 20, 100, new MemoryBroker());
        StreamPosition first = publish("q", "a", "1");
        StreamPosition second = publish("q", "b", "2");
        TestTransport t = new TestTransport();
        Client c = n.connect("u", t);
        assertEquals(Boolean.TRUE, join(n.enter(c, "q", first)).recovered());
        n.leave(c, "q");
        EnterResult again = join(n.enter(c, "q", second));
        assertEquals(Boolean.TRUE, again.recovered());
        assertEquals(second, again.position());
        publish("q", "c", "3");
        assertReceived(List.of("b", "c"), t);
    }

    /**
     * An enter whose position cannot be read (the engine timed out) answers an error and leaves
     * the client out of the room: it gets none of the room's notifications.
     */
    @Test
    void anEnterThatFailsOnItsPositionLeavesTheClientOutOfTheRoom() {
        GatedBroker broker = new GatedBroker();
        Node n = node(64 * 1024, 1000, broker);
        TestTransport t = new TestTransport();
        Client c = n.connect("u", t);
        broker.failing = true;
        java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class, () -> join(n.enter(c, "pos-fails", null)));
        assertEquals(ErrorCode.UNAVAILABLE, ((ServerException) e.getCause()).code());
        assertEquals(java.util.Set.of(), c.rooms());
        broker.failing = false;
        publish("pos-fails", "after", "0");
        join(n.publish(Target.user("u"), new Notification("info", "marker", "0")));
        // The marker comes after the room's publication; the frames in between, if any, are checked below.
        await().atMost(Duration.ofSeconds(10)).until(() -> !t.framesNow().isEmpty());
        assertEquals(List.of("marker"), entityIds(t), "the room's notification did not reach it");
    }

    /**
     * Defect 7: the live notifications held back while a recovery's history read is in flight
     * count against the client's queue bound: past it the client is closed as a slow consumer
     * and what was held is released (they were held without limit).
     */
    @Test
    void liveNotificationsHeldDuringARecoveryCountAgainstTheQueueBound() {
        GatedBroker broker = new GatedBroker();
        Node n = node(64 * 1024, 1000, broker);
        StreamPosition first = publish("held", "n0", "0");
        TestTransport t = new TestTransport();
        Client c = n.connect("u", t);
        broker.gated = true;
        java.util.concurrent.CompletionStage<EnterResult> entering = n.enter(c, "held", first);
        String body = "\"" + "x".repeat(1000) + "\"";
        for (int i = 1; i <= 200 && !c.isClosed(); i++) {
            publish("held", "live" + i, body);
        }
        assertTrue(c.isClosed(), "200 KB held back for a client with a 64 KiB queue");
        assertEquals(4002, t.closedWith);
        broker.release();
        assertTrue(t.framesNow().isEmpty(), "nothing written after the close: " + t.framesNow().size());
        entering.toCompletableFuture().handle((r, e) -> null).join();
    }

    /**
     * Issue 12 (a frame that fits is delivered to a reading client whatever its queue held),
     * also while recovering: two live notifications of three quarters of the bound each arrive
     * while the recovery's history read is in flight. The second finds queue and held below the
     * bound, so it is held, and with the replay (a quarter of the bound) all three reach the
     * client, queued in one go without meeting the bound again. The old rule (queue + held +
     * frame over the bound) closed the client with 4002 at the second.
     */
    @Test
    void heldNotificationsThatEachFitAloneReachAReadingClient() {
        int bound = 64 * 1024;
        GatedBroker broker = new GatedBroker();
        Node n = node(bound, 1000, broker);
        StreamPosition first = publish("fits", "n0", "0");
        publish("fits", "replayed", "\"" + "r".repeat(bound / 4) + "\"");
        TestTransport t = new TestTransport();
        Client c = n.connect("u", t);
        broker.gated = true;
        java.util.concurrent.CompletionStage<EnterResult> entering = n.enter(c, "fits", first);
        String body = "\"" + "x".repeat(bound * 3 / 4) + "\"";
        publish("fits", "live1", body);
        publish("fits", "live2", body);
        assertFalse(c.isClosed(), "closed with " + t.closedWith + " while recovering");
        broker.release();
        assertEquals(Boolean.TRUE, join(entering).recovered());
        assertReceived(List.of("replayed", "live1", "live2"), t);
        assertNull(t.closedWith, "closed with " + t.closedWith);
        assertFalse(c.isClosed());
    }

    /**
     * Defect 6: a replay is never silently truncated: more publications than the old fixed cap
     * of 100,000 are either all replayed or the answer is recovered:false.
     */
    @Test
    void aLongReplayIsCompleteOrNotRecovered() {
        int published = 100_010;
        Node n = node(1L << 30, 200_000, new MemoryBroker());
        StreamPosition first = null;
        for (int i = 1; i <= published; i++) {
            StreamPosition p = publish("long", "n" + i, "0");
            if (first == null) {
                first = p;
            }
        }
        TestTransport t = new TestTransport();
        Client c = n.connect("u", t);
        EnterResult r = join(n.enter(c, "long", new StreamPosition(0, first.epoch())));
        assertEquals(published, r.position().offset());
        if (r.recovered()) {
            // The replay is queued at once and written on the writer pool.
            await().atMost(Duration.ofSeconds(10)).until(() -> t.frames.size() >= published);
            List<String> got = t.framesNow();
            assertEquals(published, got.size(), "recovered:true, but the replay was cut");
            assertEquals("n1", parse(got.get(0)).getString("entityId"));
            assertEquals("n" + published, parse(got.get(got.size() - 1)).getString("entityId"));
        } else {
            assertTrue(entityIds(t).isEmpty(), "nothing replayed when not recovered");
        }
    }

    /**
     * Defect 6: a replay larger than the client's queue bound must not close it as a slow
     * consumer (it would reconnect and ask for the same replay again, forever): it is answered
     * recovered:false with the current position, and live notifications then flow.
     */
    @Test
    void aReplayLargerThanTheQueueBoundIsNotRecoveredInsteadOfClosingTheClient() {
        Node n = node(64 * 1024, 1000, new MemoryBroker());
        String body = "\"" + "x".repeat(1000) + "\"";
        StreamPosition first = null;
        StreamPosition last = null;
        for (int i = 1; i <= 200; i++) {
            last = publish("big", "n" + i, body);
            if (first == null) {
                first = last;
            }
        }
        TestTransport t = new TestTransport();
        Client c = n.connect("u", t);
        EnterResult r = join(n.enter(c, "big", new StreamPosition(0, first.epoch())));
        assertNull(t.closedWith, "closed with " + t.closedWith);
        assertFalse(c.isClosed());
        assertEquals(Boolean.FALSE, r.recovered());
        assertEquals(last, r.position());
        publish("big", "live", "0");
        assertReceived(List.of("live"), t);
    }
}
