package dev.socketserver.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Publication;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Broker} contract. Every implementation runs it by extending this class; waits
 * are bounded (Awaitility), so asynchronous engines pass as well as synchronous ones. The
 * single-node tests run with one node ({@link #node}) that follows the streams it tests; the
 * two-node tests add a second node on the same engine ({@link #secondNode}).
 */
public abstract class BrokerContract {
    private static final Duration WAIT = Duration.ofSeconds(10);

    protected Broker broker;
    protected final RecordingNode node = new RecordingNode("a");
    protected final java.util.Queue<Publication> received = node.received;

    /** A new broker on a new engine, not started; stream keys are unique per test so engines may share state. */
    protected abstract Broker newBroker();

    /** A broker for another node on the engine of the last {@link #newBroker()}, not started. */
    protected abstract Broker secondNode();

    /**
     * Lets at least {@code d} pass for the broker's expiry of history, keys and positions, and
     * lets it act on it (a manual clock moved and a sweep run, or real time waited out).
     */
    protected abstract void passTime(Duration d);

    /** How long the broker keeps a quiet stream's position after its last publication. */
    protected abstract Duration positionTtl();

    @BeforeEach
    void startBroker() {
        broker = newBroker();
        broker.start(node);
    }

    @AfterEach
    void stopBroker() {
        broker.close();
    }

    /** A new room this test's node follows. */
    protected Target room() {
        Target t = Target.room("contract-" + UUID.randomUUID());
        join(broker.subscribe(t));
        return t;
    }

    protected static Notification note(String id) {
        return new Notification("info", id, "\"" + id + "\"");
    }

    protected static PublishOptions history(int size) {
        return new PublishOptions(size, Duration.ofMinutes(1), null, Duration.ofMinutes(1));
    }

    protected static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    private List<Publication> receivedFor(Target t) {
        return received.stream().filter(p -> p.target().equals(t)).toList();
    }

    @Test
    void offsetsGrowByOnePerPublicationWithAStableEpoch() {
        Target t = room();
        PublishResult a = join(broker.publish(t, note("a"), history(10)));
        PublishResult b = join(broker.publish(t, note("b"), history(10)));
        assertEquals(a.position().offset() + 1, b.position().offset());
        assertEquals(a.position().epoch(), b.position().epoch());
        assertFalse(a.duplicate());
        await().atMost(WAIT).until(() -> receivedFor(t).size() == 2);
        assertEquals(a.position(), receivedFor(t).get(0).position());
    }

    @Test
    void withoutHistoryThereIsNoPositionButDelivery() {
        Target t = room();
        PublishResult r = join(broker.publish(t, note("x"), PublishOptions.noHistory()));
        assertNull(r.position());
        await().atMost(WAIT).until(() -> receivedFor(t).size() == 1);
        assertNull(receivedFor(t).get(0).position());
    }

    @Test
    void concurrentPublishersAreDeliveredInOffsetOrder() throws Exception {
        Target t = room();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> fs = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            int id = k;
            fs.add(pool.submit(() -> {
                for (int i = 0; i < 250; i++) {
                    join(broker.publish(t, note(id + "-" + i), history(2000)));
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        await().atMost(WAIT).until(() -> receivedFor(t).size() == 1000);
        List<Publication> got = receivedFor(t);
        Map<Integer, Integer> nextPerPublisher = new ConcurrentHashMap<>();
        for (int i = 0; i < got.size(); i++) {
            if (i > 0) {
                assertEquals(got.get(i - 1).position().offset() + 1, got.get(i).position().offset(), "offset order");
            }
            String[] id = got.get(i).notification().entityId().split("-");
            int k = Integer.parseInt(id[0]);
            int expected = nextPerPublisher.getOrDefault(k, 0);
            assertEquals(expected, Integer.parseInt(id[1]), "publisher " + k + " order");
            nextPerPublisher.put(k, expected + 1);
        }
    }

    /** The kinds of publication one stream gets: with or without history, with or without a key. */
    private static PublishOptions kind(String kind) {
        String key = kind.endsWith("keyed") ? "key-" + UUID.randomUUID() : null;
        boolean history = kind.startsWith("history");
        return new PublishOptions(history ? 10 : 0, history ? Duration.ofMinutes(1) : Duration.ZERO, key,
                Duration.ofMinutes(1));
    }

    /**
     * One ordering domain per stream: while the handler is busy with one publication of a stream
     * (of any kind), no other publication of that stream (of any kind) reaches a handler.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "plain,keyed", "keyed,plain", "history,plain", "plain,history", "history,keyed",
        "keyed,history", "history-keyed,plain", "plain,history-keyed"})
    void everyKindOfPublicationToAStreamIsOrderedByOneDomain(String firstKind, String secondKind) throws Exception {
        Target t = room();
        java.util.concurrent.CountDownLatch firstInHandler = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch releaseFirst = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger maxInside = new java.util.concurrent.atomic.AtomicInteger();
        node.inHandler = p -> {
            if (!p.target().equals(t)) {
                return;
            }
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                if ("first".equals(p.notification().entityId())) {
                    firstInHandler.countDown();
                    releaseFirst.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inside.decrementAndGet();
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<PublishResult> first = pool.submit(() -> join(broker.publish(t, note("first"), kind(firstKind))));
            assertTrue(firstInHandler.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            java.util.concurrent.atomic.AtomicReference<Thread> secondThread = new java.util.concurrent.atomic.AtomicReference<>();
            Future<PublishResult> second = pool.submit(() -> {
                secondThread.set(Thread.currentThread());
                return join(broker.publish(t, note("second"), kind(secondKind)));
            });
            // The second publication is now either accepted (an asynchronous engine queues it),
            // waiting for the stream, or (the defect) inside the handler next to the first.
            await().atMost(WAIT).until(() -> second.isDone() || inside.get() > 1 || waitingForALock(secondThread.get()));
            releaseFirst.countDown();
            first.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            second.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            await().atMost(WAIT).until(() -> receivedFor(t).size() == 2);
            assertEquals(1, maxInside.get(), "two publications of one stream were delivered at the same time");
            assertEquals(List.of("first", "second"), receivedFor(t).stream().map(p -> p.notification().entityId()).toList());
        } finally {
            releaseFirst.countDown();
            pool.shutdownNow();
        }
    }

    private static boolean waitingForALock(Thread thread) {
        return thread != null && (thread.getState() == Thread.State.BLOCKED || thread.getState() == Thread.State.WAITING);
    }

    @Test
    void historyIsBoundedBySize() {
        Target t = room();
        for (int i = 0; i < 15; i++) {
            join(broker.publish(t, note("n" + i), history(10)));
        }
        HistoryResult h = join(broker.history(t, new HistoryQuery(null, 100, false)));
        assertEquals(10, h.publications().size());
        assertEquals("n5", h.publications().get(0).notification().entityId());
        assertEquals(15, h.position().offset());
        assertEquals(h.publications().get(0).position().offset(), h.oldestOffset());
    }

    @Test
    void historyExpiresByAge() {
        Target t = room();
        PublishOptions shortLived = new PublishOptions(10, Duration.ofMillis(300), null, Duration.ofMinutes(1));
        StreamPosition old = join(broker.publish(t, note("old"), shortLived)).position();
        assertEquals(1, join(broker.history(t, new HistoryQuery(null, 10, false))).publications().size());
        passTime(Duration.ofSeconds(1));
        HistoryResult h = join(broker.history(t, new HistoryQuery(null, 10, false)));
        assertTrue(h.publications().isEmpty());
        assertTrue(h.oldestOffset() > h.position().offset(), "nothing retained");
        assertEquals(old, h.position(), "the position outlives the entries");
    }

    @Test
    void historySinceLimitAndReverse() {
        Target t = room();
        StreamPosition third = null;
        for (int i = 1; i <= 6; i++) {
            PublishResult r = join(broker.publish(t, note("n" + i), history(100)));
            if (i == 3) {
                third = r.position();
            }
        }
        List<String> after3 = join(broker.history(t, new HistoryQuery(third, 100, false))).publications().stream()
                .map(p -> p.notification().entityId()).toList();
        assertEquals(List.of("n4", "n5", "n6"), after3);
        List<String> first2 = join(broker.history(t, new HistoryQuery(third, 2, false))).publications().stream()
                .map(p -> p.notification().entityId()).toList();
        assertEquals(List.of("n4", "n5"), first2);
        List<String> newest2 = join(broker.history(t, new HistoryQuery(null, 2, true))).publications().stream()
                .map(p -> p.notification().entityId()).toList();
        assertEquals(List.of("n6", "n5"), newest2);
        assertTrue(join(broker.history(t, new HistoryQuery(null, 0, false))).publications().isEmpty());
    }

    @Test
    void aStaleEpochMatchesNothing() {
        Target t = room();
        StreamPosition before = join(broker.publish(t, note("a"), history(10))).position();
        join(broker.publish(t, note("b"), history(10)));
        // The stream's history and then its position expire: it begins again.
        passTime(positionTtl().plus(Duration.ofMinutes(2)));
        StreamPosition after = join(broker.publish(t, note("c"), history(10))).position();
        assertEquals(1, after.offset(), "the stream began again");
        assertNotEquals(before.epoch(), after.epoch(), "under an epoch it never had");
        // Offsets 0 and 1 exist in both histories: only the epoch tells them apart.
        for (long offset = 0; offset <= 1; offset++) {
            HistoryResult h = join(broker.history(t, new HistoryQuery(new StreamPosition(offset, before.epoch()), 10, false)));
            assertTrue(h.publications().isEmpty(), "a stale position matched " + h.publications());
            assertEquals(after, h.position());
        }
    }

    @Test
    void anUnknownStreamHasOffsetZeroAndAStableEpoch() {
        Target t = room();
        HistoryResult a = join(broker.history(t, new HistoryQuery(null, 10, false)));
        HistoryResult b = join(broker.history(t, new HistoryQuery(null, 10, false)));
        assertEquals(0, a.position().offset());
        assertEquals(a.position(), b.position());
        PublishResult first = join(broker.publish(t, note("first"), history(10)));
        assertEquals(new StreamPosition(1, a.position().epoch()), first.position());
    }

    @Test
    void idempotencyKeysSuppressRepeatsWithinTheWindow() {
        Target t = room();
        PublishOptions keyed = new PublishOptions(10, Duration.ofMinutes(1), "k1", Duration.ofMinutes(1));
        PublishResult first = join(broker.publish(t, note("once"), keyed));
        PublishResult again = join(broker.publish(t, note("once"), keyed));
        assertTrue(again.duplicate());
        assertEquals(first.position(), again.position());
        PublishResult other = join(broker.publish(t, note("other"),
                new PublishOptions(10, Duration.ofMinutes(1), "k2", Duration.ofMinutes(1))));
        assertFalse(other.duplicate());
        await().atMost(WAIT).until(() -> receivedFor(t).size() == 2);
        assertEquals(2, join(broker.history(t, new HistoryQuery(null, 10, false))).publications().size());
        // The same key on another stream is another publication.
        Target t2 = room();
        assertFalse(join(broker.publish(t2, note("once"), keyed)).duplicate());
    }

    @Test
    void idempotencyKeysAreForgottenAfterTheWindow() {
        Target t = room();
        PublishOptions keyed = new PublishOptions(10, Duration.ofMinutes(1), "k", Duration.ofMillis(200));
        join(broker.publish(t, note("a"), keyed));
        assertTrue(join(broker.publish(t, note("a"), keyed)).duplicate());
        passTime(Duration.ofMillis(500));
        assertFalse(join(broker.publish(t, note("a"), keyed)).duplicate());
    }

    @Test
    void afterCloseEveryCallIsUnavailable() {
        Target t = room();
        broker.close();
        for (java.util.function.Supplier<java.util.concurrent.CompletionStage<?>> call : List.<java.util.function.Supplier<java.util.concurrent.CompletionStage<?>>>of(
                () -> broker.publish(t, note("x"), history(1)),
                () -> broker.history(t, new HistoryQuery(null, 1, false)),
                () -> broker.subscribe(t),
                () -> broker.control(new ControlCommand.Info()))) {
            CompletionException e = assertThrows(CompletionException.class, () -> join(call.get()));
            assertTrue(e.getCause() instanceof ServerException se && se.code() == ErrorCode.UNAVAILABLE, String.valueOf(e.getCause()));
        }
    }

    // ---- two nodes on one engine ----------------------------------------------------------

    /** Node b on the same engine as this test's broker; closed after the test. */
    private Broker startSecondNode(RecordingNode b) {
        Broker second = secondNode();
        second.start(b);
        closeAfter.add(second);
        return second;
    }

    private final List<Broker> closeAfter = new ArrayList<>();

    @AfterEach
    void stopSecondNodes() {
        closeAfter.forEach(Broker::close);
    }

    private static Target unfollowed() {
        return Target.room("contract-" + UUID.randomUUID());
    }

    @Test
    void interestDecidesWhichNodesAreGivenAStreamButHistoryIsKeptRegardless() {
        RecordingNode b = new RecordingNode("b");
        Broker nodeB = startSecondNode(b);
        Target t = unfollowed();
        join(nodeB.subscribe(t));
        join(broker.publish(t, note("only-b"), history(10)));
        join(broker.subscribe(t));
        join(nodeB.publish(t, note("both"), history(10)));
        join(nodeB.unsubscribe(t));
        join(broker.publish(t, note("only-a"), history(10)));
        join(broker.unsubscribe(t));
        join(broker.publish(t, note("nobody"), history(10)));
        await().atMost(WAIT).until(() -> node.receivedFor(t).size() == 2 && b.receivedFor(t).size() == 2);
        assertEquals(List.of("both", "only-a"), node.entityIdsFor(t));
        assertEquals(List.of("only-b", "both"), b.entityIdsFor(t));
        assertEquals(List.of("only-b", "both", "only-a", "nobody"), join(nodeB.history(t, new HistoryQuery(null, 10, false)))
                .publications().stream().map(p -> p.notification().entityId()).toList());
    }

    @Test
    void controlReachesEveryNodeAndCollectsEveryReply() {
        RecordingNode b = new RecordingNode("b");
        Broker nodeB = startSecondNode(b);
        node.answer = c -> new ControlReply.Connections(1);
        b.answer = c -> new ControlReply.Connections(2);
        ControlCommand cmd = new ControlCommand.DisconnectUser("u-" + UUID.randomUUID(), true);
        List<ControlReply> fromA = join(broker.control(cmd));
        List<ControlReply> fromB = join(nodeB.control(cmd));
        for (List<ControlReply> replies : List.of(fromA, fromB)) {
            assertEquals(java.util.Set.of(new ControlReply.Connections(1), new ControlReply.Connections(2)),
                    java.util.Set.copyOf(replies));
        }
        assertEquals(List.of(cmd, cmd), List.copyOf(node.commands));
        assertEquals(List.of(cmd, cmd), List.copyOf(b.commands));
    }

    @Test
    void publishersOnTwoNodesAreDeliveredInOneOffsetOrderToBoth() throws Exception {
        RecordingNode b = new RecordingNode("b");
        Broker nodeB = startSecondNode(b);
        Target t = room();
        join(nodeB.subscribe(t));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                Broker via = k % 2 == 0 ? broker : nodeB;
                int id = k;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        join(via.publish(t, note(id + "-" + i), history(1000)));
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdown();
        }
        await().atMost(WAIT).until(() -> node.receivedFor(t).size() == 800 && b.receivedFor(t).size() == 800);
        List<Publication> atA = node.receivedFor(t);
        assertEquals(atA, b.receivedFor(t), "both nodes see one order");
        for (int i = 0; i < atA.size(); i++) {
            assertEquals(i + 1, atA.get(i).position().offset());
            assertEquals(atA.get(0).position().epoch(), atA.get(i).position().epoch());
        }
    }

    @Test
    void bothNodesSeeOnePositionAndTheSameStaleEpochRule() {
        RecordingNode b = new RecordingNode("b");
        Broker nodeB = startSecondNode(b);
        Target t = room();
        StreamPosition first = join(broker.publish(t, note("a"), history(10))).position();
        StreamPosition second = join(nodeB.publish(t, note("b"), history(10))).position();
        assertEquals(new StreamPosition(first.offset() + 1, first.epoch()), second);
        assertEquals(second, join(broker.history(t, new HistoryQuery(null, 0, false))).position());
        assertEquals(List.of("b"), join(nodeB.history(t, new HistoryQuery(first, 10, false))).publications().stream()
                .map(p -> p.notification().entityId()).toList());
        passTime(positionTtl().plus(Duration.ofMinutes(2)));
        StreamPosition again = join(nodeB.publish(t, note("c"), history(10))).position();
        assertNotEquals(first.epoch(), again.epoch());
        assertTrue(join(broker.history(t, new HistoryQuery(first, 10, false))).publications().isEmpty());
    }

    @Test
    void aNodeThatFailsToTakeAPublicationIsToldOfAGapInThatStreamOnly() {
        RecordingNode b = new RecordingNode("b");
        Broker nodeB = startSecondNode(b);
        Target t = room();
        join(nodeB.subscribe(t));
        b.inHandler = p -> {
            if ("bad".equals(p.notification().entityId())) {
                throw new IllegalStateException("node b broke on this one");
            }
        };
        PublishResult r = join(broker.publish(t, note("bad"), history(10)));
        assertEquals(1, r.position().offset(), "accepted: the publisher is not told of b's failure");
        join(broker.publish(t, note("good"), history(10)));
        await().atMost(WAIT).until(() -> b.gaps.size() == 1 && b.receivedFor(t).size() == 1 && node.receivedFor(t).size() == 2);
        assertEquals(new Gap.Stream(t), b.gaps.peek());
        assertTrue(node.gaps.isEmpty(), "a's view has no gap");
        assertEquals(List.of("good"), b.entityIdsFor(t));
    }

    @Test
    void aClosedNodeIsGivenNothingAndAnswersNoControl() {
        RecordingNode b = new RecordingNode("b");
        Broker nodeB = startSecondNode(b);
        Target t = room();
        join(nodeB.subscribe(t));
        nodeB.close();
        join(broker.publish(t, note("after"), history(10)));
        node.answer = c -> new ControlReply.Connections(1);
        assertEquals(List.of(new ControlReply.Connections(1)), join(broker.control(new ControlCommand.Info())));
        await().atMost(WAIT).until(() -> node.receivedFor(t).size() == 1);
        assertTrue(b.received.isEmpty());
        assertTrue(b.commands.isEmpty());
    }
}
