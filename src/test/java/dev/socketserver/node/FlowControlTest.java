package dev.socketserver.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.hub.Client;
import dev.socketserver.hub.Transport;
import dev.socketserver.message.Frame;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Target;
import dev.socketserver.presence.memory.MemoryPresenceManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Publishers' flow control on the node's outbound backlog, with transports whose write
 * completions the test controls (a reader's pace cannot be steered this exactly over a socket).
 */
class FlowControlTest {
    private static final long QUEUE = 64 * 1024;   // each client counts at most 16 KiB
    private static final String BODY = "\"" + "x".repeat(1000) + "\"";

    /** Holds every write until the test completes it. */
    static final class HeldTransport implements Transport {
        final ConcurrentLinkedQueue<Consumer<Throwable>> pending = new ConcurrentLinkedQueue<>();
        final AtomicInteger frames = new AtomicInteger();
        volatile Integer closedWith;

        @Override
        public void write(List<Frame> batch, Consumer<Throwable> done) {
            frames.addAndGet(batch.size());
            pending.add(done);
        }

        @Override
        public void ping() {
        }

        @Override
        public void close(int code, String reason) {
            closedWith = code;
        }

        /** Completes the pending write, if any; true if there was one. */
        boolean completeOne() {
            Consumer<Throwable> done = pending.poll();
            if (done != null) {
                done.accept(null);
            }
            return done != null;
        }
    }

    private Node node;

    private Node node(long backlogBytes) {
        node = new Node(new NodeOptions(QUEUE, Duration.ofHours(1), Duration.ofHours(1), 128, 1000, 100, 2, backlogBytes),
                new MemoryBroker(), new MemoryPresenceManager(), HistorySettings.defaults(), List.of());
        return node;
    }

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
    }

    private CompletableFuture<?> publish(String room, int i) {
        return node.publish(Target.room(room), new Notification("info", "e" + i, BODY)).toCompletableFuture();
    }

    /** The reader, the publications made, and the last one: the first whose reply was held back (or the 1000th). */
    private record Held(Client reader, int published, CompletableFuture<?> last) {
    }

    /** A reader in {@code room} that never completes a write on its own, and a publisher that goes until it is held. */
    private Held publishUntilHeld(Node n, String user, String room, HeldTransport t) {
        Client reader = n.connect(user, t);
        n.enter(reader, room, null);
        int i = 0;
        CompletableFuture<?> last;
        do {
            last = publish(room, i++);
        } while (last.isDone() && i < 1000);
        return new Held(reader, i, last);
    }

    /** The reader catching up: completes its writes one at a time until {@code caughtUp}. */
    private static void completeWritesUntil(HeldTransport t, Callable<Boolean> caughtUp) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            t.completeOne();
            return caughtUp.call();
        });
    }

    @Test
    void aPublisherFasterThanTheReadersWaitsForThemInsteadOfOverflowingTheirQueues() {
        Node n = node(8L << 20);
        HeldTransport t = new HeldTransport();
        Held h = publishUntilHeld(n, "reader", "r", t);
        Client c = h.reader();
        int i = h.published();
        CompletableFuture<?> last = h.last();
        assertFalse(last.isDone(), "the publisher is held back once the reader is 16 KiB behind");
        assertTrue(i < 40, "held back after " + i + " publications, well before the 64 KiB bound");
        assertFalse(c.isClosed());
        // The reader catches up: the held publication completes.
        CompletableFuture<?> held = last;
        completeWritesUntil(t, held::isDone);
        completeWritesUntil(t, () -> c.queuedBytes() == 0);
        assertEquals(i, t.frames.get(), "every publication reached the reader");
        assertFalse(c.isClosed());
    }

    @Test
    void aReaderThatStopsIsLeftOutAfterItsWritesStallSoPublishersGoOn() {
        Node n = node(8L << 20);
        HeldTransport stalled = new HeldTransport();
        Held h = publishUntilHeld(n, "stalled", "s", stalled);
        Client c = h.reader();
        int i = h.published();
        CompletableFuture<?> last = h.last();
        assertFalse(last.isDone());
        // Nothing completes, yet within a stall period the publisher is released ...
        await().atMost(Duration.ofSeconds(5)).until(last::isDone);
        // ... and the stalled reader is closed as a slow consumer once past its own bound.
        while (!c.isClosed() && i < 10_000) {
            publish("s", i++).join();
        }
        assertTrue(c.isClosed());
        assertEquals(4002, stalled.closedWith);
        assertEquals(0, n.backlogBytes(), "a closed client counts nothing");
    }

    @Test
    void oneSlowReaderAmongManyDoesNotHoldPublishersBack() {
        Node n = node(8L << 20);
        HeldTransport slow = new HeldTransport();
        Client s = n.connect("slow", slow);
        n.enter(s, "m", null);
        List<Client> fastOnes = new java.util.ArrayList<>();
        for (int k = 0; k < 10; k++) {
            Transport fast = new Transport() {
                @Override
                public void write(List<Frame> frames, Consumer<Throwable> done) {
                    done.accept(null);
                }

                @Override
                public void ping() {
                }

                @Override
                public void close(int code, String reason) {
                }
            };
            Client f = n.connect("fast" + k, fast);
            n.enter(f, "m", null);
            fastOnes.add(f);
        }
        // 50 publications of 1 KB put the slow reader ~55 KB behind, past what one client may
        // count (16 KiB): all complete without waiting.
        for (int i = 0; i < 50; i++) {
            assertTrue(publish("m", i).isDone(), "publication " + i + " was held back");
            // The fast readers' writes run on the writer pool: let them catch up, as fast readers do.
            await().atMost(Duration.ofSeconds(10)).until(() -> fastOnes.stream().allMatch(f -> f.queuedBytes() == 0));
        }
        assertFalse(s.isClosed());
    }
}
