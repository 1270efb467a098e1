package dev.socketserver.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.message.Frame;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Publication;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Queue accounting and the single-writer drain of {@link Client}, against a transport whose
 * write completions the test controls (a socket's backpressure cannot be steered this exactly).
 */
class ClientTest {

    /** Records writes; completes them inline or when the test says so. */
    static final class ControlledTransport implements Transport {
        final List<String> written = java.util.Collections.synchronizedList(new ArrayList<>());
        final ConcurrentLinkedQueue<Consumer<Throwable>> pending = new ConcurrentLinkedQueue<>();
        final AtomicReference<Integer> closedWith = new AtomicReference<>();
        volatile boolean inline;
        volatile int concurrentWrites;
        volatile int maxConcurrentWrites;

        @Override
        public synchronized void write(List<Frame> frames, Consumer<Throwable> done) {
            concurrentWrites++;
            maxConcurrentWrites = Math.max(maxConcurrentWrites, concurrentWrites);
            frames.forEach(f -> written.add(f.text()));
            Consumer<Throwable> completion = e -> {
                synchronized (this) {
                    concurrentWrites--;
                }
                done.accept(e);
            };
            if (inline) {
                completion.accept(null);
            } else {
                pending.add(completion);
            }
        }

        @Override
        public void ping() {
            written.add("<ping>");
        }

        void completeOne() {
            pending.poll().accept(null);
        }

        @Override
        public void close(int code, String reason) {
            closedWith.set(code);
        }
    }

    static Client client(Transport t, long maxBytes, List<Disconnect> closes) {
        return new Client("c1", "u1", t, maxBytes, (c, why) -> closes.add(why));
    }

    @Test
    void queuedBytesCountQueuedAndInFlightFramesUntilWritten() {
        ControlledTransport t = new ControlledTransport();
        List<Disconnect> closes = new ArrayList<>();
        Client c = client(t, 1_000, closes);
        c.send(Frame.of("a".repeat(100)));   // goes straight to the transport
        c.send(Frame.of("b".repeat(200)));   // waits in the queue
        assertEquals(300, c.queuedBytes());
        t.completeOne();                      // first write done, second batch starts
        assertEquals(200, c.queuedBytes());
        t.completeOne();
        assertEquals(0, c.queuedBytes());
        assertEquals(List.of("a".repeat(100), "b".repeat(200)), t.written);
        assertTrue(closes.isEmpty());
    }

    @Test
    void overTheBoundTheClientIsClosedAsSlowConsumerAndItsQueueReleased() {
        ControlledTransport t = new ControlledTransport();
        List<Disconnect> closes = new ArrayList<>();
        Client c = client(t, 1_000, closes);
        for (int i = 0; i < 9; i++) {
            c.send(Frame.of("x".repeat(100)));
        }
        assertEquals(900, c.queuedBytes());
        // A frame that finds the queue below its bound is queued, even past the bound ...
        c.send(Frame.of("y".repeat(101)));
        assertEquals(1_001, c.queuedBytes());
        assertTrue(closes.isEmpty());
        // ... the next one finds it at the bound: slow consumer.
        c.send(Frame.of("w"));
        assertEquals(List.of(Disconnect.SLOW_CONSUMER), closes);
        assertEquals(4002, t.closedWith.get());
        assertTrue(c.isClosed());
        // Only the batch already handed to the socket is still counted, until it completes.
        t.completeOne();
        assertEquals(0, c.queuedBytes());
        c.send(Frame.of("z"));
        assertEquals(0, c.queuedBytes(), "a closed client accepts nothing");
    }

    @Test
    void inlineCompletionsDoNotRecurse() {
        ControlledTransport t = new ControlledTransport();
        t.inline = true;
        Client c = client(t, Long.MAX_VALUE, new ArrayList<>());
        for (int i = 0; i < 200_000; i++) {
            c.send(Frame.of("m"));
        }
        assertEquals(200_000, t.written.size());
        assertEquals(0, c.queuedBytes());
    }

    @Test
    void concurrentSendersNeverOverlapWritesAndKeepEachSendersOrder() throws Exception {
        ControlledTransport t = new ControlledTransport();
        t.inline = true;
        Client c = client(t, Long.MAX_VALUE, new ArrayList<>());
        int threads = 4;
        int each = 20_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            int id = k;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    c.send(Frame.of(id + ":" + i));
                }
            });
            th.start();
            ts.add(th);
        }
        start.countDown();
        for (Thread th : ts) {
            th.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertEquals(threads * each, t.written.size());
        assertEquals(1, t.maxConcurrentWrites, "one writer at a time");
        int[] next = new int[threads];
        for (String w : t.written) {
            String[] p = w.split(":");
            int k = Integer.parseInt(p[0]);
            assertEquals(next[k]++, Integer.parseInt(p[1]), "order of sender " + k);
        }
    }

    @Test
    void onlyIdleClientsArePingedAndCompletedWritesCountAsLife() {
        ControlledTransport t = new ControlledTransport();
        Client c = client(t, 10_000, new ArrayList<>());
        c.ping(System.nanoTime());
        assertEquals(List.of("<ping>"), t.written);
        c.send(Frame.of("busy"));
        long before = c.lastSeenNanos();
        c.ping(System.nanoTime()); // a write is in flight: no ping
        assertEquals(List.of("<ping>", "busy"), t.written);
        t.completeOne();
        assertTrue(c.lastSeenNanos() - before >= 0);
        c.ping(System.nanoTime());
        assertEquals(List.of("<ping>", "busy", "<ping>"), t.written);
    }

    @Test
    void closeAfterWritesLetsQueuedRepliesOutFirstAndQueuesNothingNew() {
        ControlledTransport t = new ControlledTransport();
        List<Disconnect> closes = new ArrayList<>();
        Client c = client(t, 10_000, closes);
        c.send(Frame.of("err1"));
        c.send(Frame.of("err2"));
        c.closeAfterWrites(Disconnect.TOO_MANY_REQUESTS);
        c.send(Frame.of("late"));
        assertTrue(closes.isEmpty());
        t.completeOne();
        t.completeOne();
        assertEquals(List.of("err1", "err2"), t.written);
        assertEquals(List.of(Disconnect.TOO_MANY_REQUESTS), closes);
        assertEquals(4004, t.closedWith.get());
    }

    @Test
    void transportFailureReleasesTheQueueWithoutAServerClose() {
        ControlledTransport t = new ControlledTransport();
        List<Disconnect> closes = new ArrayList<>();
        Client c = client(t, 10_000, closes);
        c.send(Frame.of("a"));
        c.send(Frame.of("b"));
        t.pending.poll().accept(new java.io.IOException("reset"));
        assertEquals(0, c.queuedBytes());
        assertTrue(c.isClosed());
        assertNull(t.closedWith.get());
        c.transportClosed();
        assertEquals(1, closes.size(), "onClose runs once, with no server reason");
        assertNull(closes.get(0));
    }

    @Test
    void aPingUnansweredForTheTimeoutIsOverdueAndAnyLifeAnswersIt() {
        ControlledTransport t = new ControlledTransport();
        Client c = client(t, 10_000, new ArrayList<>());
        long second = 1_000_000_000L;
        assertTrue(!c.pongOverdue(System.nanoTime() + 100 * second, second), "never pinged: never overdue");
        long now = System.nanoTime() + second;
        c.ping(now);
        assertEquals(List.of("<ping>"), t.written);
        assertTrue(!c.pongOverdue(now + second / 2, second));
        assertTrue(c.pongOverdue(now + second, second), "no answer within the timeout");
        c.ping(now + second / 2);  // a later ping does not restart the clock of an unanswered one
        assertTrue(c.pongOverdue(now + second, second));

        Client answered = client(new ControlledTransport(), 10_000, new ArrayList<>());
        long at = System.nanoTime();
        answered.ping(at);
        answered.onPong();         // any sign of life after the ping answers it
        assertTrue(!answered.pongOverdue(at + 10 * second, second));
    }

    @Test
    void aBusyClientIsNotSentAPingButMustStillShowLife() {
        ControlledTransport t = new ControlledTransport();
        Client c = client(t, 10_000, new ArrayList<>());
        c.send(Frame.of("busy"));  // a write that does not complete
        long now = System.nanoTime();
        c.ping(now);
        assertEquals(List.of("busy"), t.written, "no ping frame while a write is in flight");
        assertTrue(c.pongOverdue(now + 2_000_000_000L, 1_000_000_000L), "a write that never completes is no life");
        t.completeOne();           // the write completes: life
        assertTrue(!c.pongOverdue(now + 2_000_000_000L, 1_000_000_000L));
    }

    private static Publication pub(Target target, long offset) {
        return new Publication(target, new Notification("info", "e" + offset, "\"" + offset + "\""),
                new StreamPosition(offset, "ep"));
    }

    @Test
    void recoveryReplaysHistoryThenHeldLivePublicationsWithoutDuplicatesThenGoesLive() {
        ControlledTransport t = new ControlledTransport();
        t.inline = true;
        Client c = client(t, 1 << 20, new ArrayList<>());
        Target room = Target.room("r");
        Client.Recovery r = c.beginRecovery(room.streamKey());
        assertEquals(r, c.pendingRecovery(room.streamKey()));
        // Live publications during recovery are held back; offset 2 overlaps the history.
        deliver(c, pub(room, 2), "live-2");
        deliver(c, pub(room, 3), "live-3");
        assertEquals(List.of(), t.written);
        r.complete(List.of(Frame.of("history-1"), Frame.of("history-2")), new StreamPosition(2, "ep"));
        deliver(c, pub(room, 4), "live-4");
        assertEquals(List.of("history-1", "history-2", "live-3", "live-4"), t.written);
        assertNull(c.pendingRecovery(room.streamKey()), "recovery finished");
        // A second recovery of the same stream can begin once the first is done.
        c.beginRecovery(room.streamKey()).complete(List.of(), null);
        assertNull(c.pendingRecovery(room.streamKey()));
    }

    /** Delivers as the hub does: commits the backlog growth, starts the writer when it was idle. */
    private static void deliver(Client c, Publication p, String text) {
        Backlog.Tally growth = Backlog.unbounded().tally();
        boolean start = c.deliver(p, Frame.of(text), growth);
        growth.commit();
        if (start) {
            c.drain();
        }
    }

    @Test
    void afterARecoveryLateDuplicatesAreDroppedByPositionUntilTheNextOneArrives() {
        ControlledTransport t = new ControlledTransport();
        t.inline = true;
        Client c = client(t, 1 << 20, new ArrayList<>());
        Target room = Target.room("r");
        c.beginRecovery(room.streamKey()).complete(List.of(Frame.of("history-5")), new StreamPosition(5, "ep"));
        // An engine may deliver publications the history read already had after it: dropped.
        deliver(c, pub(room, 4), "late-4");
        deliver(c, pub(room, 5), "late-5");
        deliver(c, new Publication(room, new Notification("join", "u", "{}"), null), "event");
        assertTrue(c.pendingRecovery(room.streamKey()) != null, "still checking positions");
        deliver(c, pub(room, 6), "live-6");
        assertNull(c.pendingRecovery(room.streamKey()), "live after the next position");
        assertEquals(List.of("history-5", "event", "live-6"), t.written);
    }

    @Test
    void aNewEpochThatStartsAtOneFollowsTheRecoveredPosition() {
        ControlledTransport t = new ControlledTransport();
        t.inline = true;
        Client c = client(t, 1 << 20, new ArrayList<>());
        Target room = Target.room("r");
        c.beginRecovery(room.streamKey()).complete(List.of(), new StreamPosition(9, "old"));
        deliver(c, new Publication(room, new Notification("info", "n", "1"), new StreamPosition(1, "new")), "new-1");
        assertEquals(List.of("new-1"), t.written);
        assertNull(c.pendingRecovery(room.streamKey()));
        assertNull(t.closedWith.get());
    }

    @Test
    void aMissingOffsetAfterARecoveryClosesWithStreamGap() {
        ControlledTransport t = new ControlledTransport();
        t.inline = true;
        List<Disconnect> closes = new ArrayList<>();
        Client c = client(t, 1 << 20, closes);
        Target room = Target.room("r");
        Client.Recovery r = c.beginRecovery(room.streamKey());
        deliver(c, pub(room, 8), "held-8");
        r.complete(List.of(), new StreamPosition(6, "ep"));
        assertEquals(4006, t.closedWith.get(), "offset 7 never came");
        assertEquals(List.of(Disconnect.STREAM_GAP), closes);
        assertEquals(List.of(), t.written);
        // A new epoch that does not start at 1 is a gap as well.
        ControlledTransport t2 = new ControlledTransport();
        t2.inline = true;
        Client c2 = client(t2, 1 << 20, new ArrayList<>());
        c2.beginRecovery(room.streamKey()).complete(List.of(), new StreamPosition(3, "old"));
        deliver(c2, new Publication(room, new Notification("info", "n", "1"), new StreamPosition(2, "new")), "new-2");
        assertEquals(4006, t2.closedWith.get());
    }
}
