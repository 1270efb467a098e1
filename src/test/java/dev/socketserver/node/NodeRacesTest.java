package dev.socketserver.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.hub.Client;
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
    private static final String BIG = "\"" + "x".repeat(2000) + "\"";

    private Node node;
    private boolean leakNode;

    @AfterEach
    void close() {
        if (node != null && !leakNode) {
            node.close();
        }
    }

    private Node node(List<String> presenceEventRooms) {
        node = new Node(new NodeOptions(QUEUE, Duration.ofHours(1), Duration.ofHours(1), 128, 1000, 100, 2, 8L << 20),
                new MemoryBroker(), new MemoryPresenceManager(), HistoryPolicy.defaults(), presenceEventRooms);
        return node;
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
        }
        // One publication bigger than a client's whole queue overflows it at once.
        CompletableFuture<Void> toA = inThread("publisher-a",
                () -> n.publish(Target.room("a"), new Notification("info", "big-a", BIG)).toCompletableFuture().join());
        CompletableFuture<Void> toB = inThread("publisher-b",
                () -> n.publish(Target.room("b"), new Notification("info", "big-b", BIG)).toCompletableFuture().join());
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
                && n.presence("b").toCompletableFuture().join().isEmpty());
    }
}
