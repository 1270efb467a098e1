package dev.socketserver.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.hub.Client;
import dev.socketserver.hub.Disconnect;
import dev.socketserver.presence.ClientInfo;
import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.PresenceStats;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Target;
import dev.socketserver.presence.memory.MemoryPresenceManager;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery core's races (issue 11), each driven into its bad interleaving with latches and
 * barriers rather than left to chance.
 */
class NodeRacesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long QUEUE = 1024;
    /** A body whose frame fits a client's queue bound on its own (larger ones are refused at publish). */
    private static final String NEARLY_QUEUE = "\"" + "x".repeat(800) + "\"";

    private Node node;
    private boolean leakNode;

    @AfterEach
    void close() {
        if (node != null && !leakNode) {
            node.close();
        }
    }

    private Node node(List<String> presenceEventRooms) {
        return node(presenceEventRooms, new MemoryPresenceManager());
    }

    private Node node(List<String> presenceEventRooms, PresenceManager presence) {
        node = new Node(new NodeOptions(QUEUE, Duration.ofHours(1), Duration.ofHours(1), 128, 1000, 100, 2, 8L << 20),
                new MemoryBroker(), presence, HistorySettings.defaults(), presenceEventRooms);
        return node;
    }

    /** The memory presence, with a hook that runs before every add reaches it. */
    private static final class HookedPresence extends ForwardingPresence {
        volatile Runnable beforeAdd = () -> { };
        volatile java.util.function.Consumer<ClientInfo> onAdd = info -> { };

        @Override
        public CompletionStage<Void> add(String room, ClientInfo client) {
            onAdd.accept(client);
            beforeAdd.run();
            return delegate.add(room, client);
        }
    }

    private static void reach(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("latch not reached");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The presence and join/leave events one watcher in {@code room} saw of {@code user}. */
    private static List<String> eventsOf(TestTransport watcher, String user) {
        return watcher.framesNow().stream()
                .filter(f -> f.contains("\"entityId\":\"" + user + "\""))
                .map(f -> f.contains("\"type\":\"join\"") ? "join" : f.contains("\"type\":\"leave\"") ? "leave" : f)
                .toList();
    }

    /**
     * Defect 3: an enter racing a close. The enter is stopped just before its presence entry is
     * added, and the close runs until its transport close; whatever the interleaving, the client
     * must end up in no presence, and every join event it caused must be followed by a leave.
     */
    @Test
    void anEnterRacingACloseLeavesNoGhostPresence() throws Exception {
        HookedPresence presence = new HookedPresence();
        Node n = node(List.of("*"), presence);
        TestTransport watcherTransport = new TestTransport();
        Client watcher = n.connect("watcher", watcherTransport);
        n.enter(watcher, "r", null);
        TestTransport t = new TestTransport();
        Client c = n.connect("racer", t);
        CountDownLatch adding = new CountDownLatch(1);
        CountDownLatch closing = new CountDownLatch(1);
        presence.beforeAdd = () -> {
            adding.countDown();
            reach(closing);
        };
        t.onClose = closing::countDown;
        CompletableFuture<Void> enter = inThread("enter", () -> n.enter(c, "r", null));
        reach(adding);
        presence.beforeAdd = () -> { };
        CompletableFuture<Void> close = inThread("close", () -> c.close(Disconnect.FORCE_RECONNECT));
        close.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            enter.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException refused) {
            // An enter that lost the race may be refused; it must not leave anything behind.
        }
        await().atMost(WAIT).until(() -> n.info().toCompletableFuture().join().clients() == 1);
        assertEquals(java.util.Set.of(watcher.id()), n.presence("r").toCompletableFuture().join().keySet());
        assertEquals(new PresenceStats(1, 1), n.presenceStats("r").toCompletableFuture().join());
        assertEquals(Map.of("r", 1), n.rooms(null).toCompletableFuture().join());
        List<String> events = eventsOf(watcherTransport, "racer");
        assertEquals(events.contains("join") ? List.of("join", "leave") : List.of(), events);
    }

    /** Defect 3, the simple form: entering on a connection that is already closed adds nothing. */
    @Test
    void enteringWithAClosedClientAddsNoPresenceAndNoJoinEvent() {
        Node n = node(List.of("*"));
        TestTransport watcherTransport = new TestTransport();
        Client watcher = n.connect("watcher", watcherTransport);
        n.enter(watcher, "r", null);
        Client c = n.connect("late", new TestTransport());
        c.close(Disconnect.FORCE_RECONNECT);
        try {
            n.enter(c, "r", null).toCompletableFuture().join();
        } catch (RuntimeException refused) {
            // refusing is fine; indexing is not
        }
        n.subscribeUser("late", "r").toCompletableFuture().join();
        assertEquals(java.util.Set.of(watcher.id()), n.presence("r").toCompletableFuture().join().keySet());
        assertEquals(Map.of("r", 1), n.rooms(null).toCompletableFuture().join());
        assertEquals(List.of(), eventsOf(watcherTransport, "late"));
    }

    /**
     * Defect 3 through the control seam: a backend {@code Subscribe} of a user with two
     * connections races the close of both. The subscribe is stopped inside the first
     * connection's join (at its presence add, holding that connection), after it took its
     * snapshot of the user's connections; meanwhile the second connection is closed completely
     * and the first one's close runs until its transport close. The subscribe then reaches the
     * second connection already closed, and the first one's close finishes after its join:
     * neither may leave presence, a room entry or a join event without its leave behind.
     */
    @Test
    void aBackendSubscribeRacingClosesLeavesNoGhostPresence() throws Exception {
        HookedPresence presence = new HookedPresence();
        Node n = node(List.of("*"), presence);
        TestTransport watcherTransport = new TestTransport();
        Client watcher = n.connect("watcher", watcherTransport);
        n.enter(watcher, "r", null);
        TestTransport firstTransport = new TestTransport();
        TestTransport secondTransport = new TestTransport();
        Client one = n.connect("racer", firstTransport);
        Client two = n.connect("racer", secondTransport);
        CountDownLatch adding = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<String> addedFirst = new java.util.concurrent.atomic.AtomicReference<>();
        presence.beforeAdd = new Runnable() {
            private boolean stopped;

            @Override
            public synchronized void run() {
                if (!stopped) {
                    stopped = true;
                    adding.countDown();
                    reach(proceed);
                }
            }
        };
        // Which connection the subscribe joins first is the hub's order: find it from the add.
        presence.onAdd = info -> addedFirst.compareAndSet(null, info.clientId());
        CompletableFuture<Integer> subscribed = new CompletableFuture<>();
        inThread("subscribe", () -> subscribed.complete(n.subscribeUser("racer", "r").toCompletableFuture().join()));
        reach(adding);
        Client joining = one.id().equals(addedFirst.get()) ? one : two;
        Client next = joining == one ? two : one;
        TestTransport joiningTransport = joining == one ? firstTransport : secondTransport;
        // The connection the subscribe has not reached yet: closed completely.
        next.close(Disconnect.FORCE_RECONNECT);
        // The one it is joining: closed up to its transport close; its side effects wait for the join.
        CountDownLatch closing = new CountDownLatch(1);
        joiningTransport.onClose = closing::countDown;
        CompletableFuture<Void> close = inThread("close", () -> joining.close(Disconnect.FORCE_RECONNECT));
        reach(closing);
        proceed.countDown();
        close.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        subscribed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        await().atMost(WAIT).until(() -> n.info().toCompletableFuture().join().clients() == 1);
        assertEquals(java.util.Set.of(watcher.id()), n.presence("r").toCompletableFuture().join().keySet());
        assertEquals(new PresenceStats(1, 1), n.presenceStats("r").toCompletableFuture().join());
        assertEquals(Map.of("r", 1), n.rooms(null).toCompletableFuture().join());
        assertEquals(List.of("join", "leave"), eventsOf(watcherTransport, "racer"));
    }

    private static CompletableFuture<Void> inThread(String name, Runnable r) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                r.run();
                f.complete(null);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return f;
    }

    /**
     * Defect 4: two publishers, each overflowing a client that is also in the other's room, with
     * presence events on. The slow-consumer closes meet at a barrier inside the transport's close
     * (so both publishers are inside their fan-out at once); then each close's leave event must
     * not need the other publisher's stream.
     */
    @Test
    void slowConsumerClosesWithPresenceEventsDoNotDeadlockTwoPublishers() throws Exception {
        Node n = node(List.of("*"));
        CyclicBarrier bothClosing = new CyclicBarrier(2);
        Runnable meet = () -> {
            try {
                bothClosing.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("the other close never came", e);
            }
        };
        TestTransport tx = TestTransport.holding();
        TestTransport ty = TestTransport.holding();
        tx.onClose = meet;
        ty.onClose = meet;
        Client x = n.connect("x", tx);
        Client y = n.connect("y", ty);
        for (Client c : List.of(x, y)) {
            n.enter(c, "a", null);
            n.enter(c, "b", null);
            n.enter(c, "fill", null);
        }
        // The writes are held: this frame (below the bound, on top of the join events) takes both
        // queues to their bound, so the next frame each client gets closes it as a slow consumer.
        n.publish(Target.room("fill"), new Notification("info", "fill", NEARLY_QUEUE)).toCompletableFuture().join();
        assertNull(tx.closedWith);
        assertNull(ty.closedWith);
        CompletableFuture<Void> toA = inThread("publisher-a",
                () -> n.publish(Target.room("a"), new Notification("info", "to-a", "1")).toCompletableFuture().join());
        CompletableFuture<Void> toB = inThread("publisher-b",
                () -> n.publish(Target.room("b"), new Notification("info", "to-b", "1")).toCompletableFuture().join());
        try {
            CompletableFuture.allOf(toA, toB).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            long[] deadlocked = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
            leakNode = true; // closing it would block on the same locks
            fail("publishers did not finish; deadlocked threads: " + (deadlocked == null ? 0 : deadlocked.length));
        }
        assertNull(ManagementFactory.getThreadMXBean().findDeadlockedThreads(), "deadlocked threads");
        assertEquals(4002, tx.closedWith);
        assertEquals(4002, ty.closedWith);
        await().atMost(WAIT).until(() -> n.presence("a").toCompletableFuture().join().isEmpty()
                && n.presence("b").toCompletableFuture().join().isEmpty()
                && n.presence("fill").toCompletableFuture().join().isEmpty());
    }
}
