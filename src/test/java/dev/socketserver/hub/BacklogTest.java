package dev.socketserver.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.hub.ClientTest.ControlledTransport;
import dev.socketserver.message.Frame;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The node's backlog accounting as clients queue, write, stall and close. */
class BacklogTest {

    private static Client client(ControlledTransport t, long queueBytes, Backlog b) {
        return new Client("c", "u", t, queueBytes, null, b, (c, why) -> { });
    }

    @Test
    void aClientCountsItsQueueUpToItsShareAndNothingOnceClosed() {
        Backlog b = new Backlog(1 << 20, 300);
        ControlledTransport t = new ControlledTransport();
        Client c = client(t, 1200, b);
        c.send(Frame.of("a".repeat(100)));   // on the wire, still counted
        assertEquals(100, b.bytes());
        c.send(Frame.of("b".repeat(100)));
        c.send(Frame.of("c".repeat(100)));
        c.send(Frame.of("d".repeat(100)));
        assertEquals(300, b.bytes(), "capped at the share");
        t.completeOne();                      // 300 left: b, c, d now on the wire
        assertEquals(300, b.bytes());
        t.completeOne();
        assertEquals(0, b.bytes());
        c.send(Frame.of("e".repeat(100)));
        c.close(Disconnect.GOING_AWAY);
        assertEquals(0, b.bytes(), "a closed client counts nothing, even with a write on the wire");
        t.completeOne();
        assertEquals(0, b.bytes());
    }

    @Test
    void theLimitFollowsTheClientsThatCountAndWaitersAreReleasedByWrites() {
        Backlog b = new Backlog(1 << 20, 300);
        ControlledTransport t1 = new ControlledTransport();
        ControlledTransport t2 = new ControlledTransport();
        Client c1 = client(t1, 1200, b);
        Client c2 = client(t2, 1200, b);
        assertEquals(600, b.limitNow(), "two clients, a share each");
        for (int i = 0; i < 4; i++) {
            c1.send(Frame.of("x".repeat(100)));
            c2.send(Frame.of("y".repeat(100)));
        }
        assertEquals(600, b.bytes());
        CompletableFuture<Void> w = b.whenBelowLimit().toCompletableFuture();
        assertFalse(w.isDone(), "both clients a share behind: publishers wait");
        t1.completeOne();                     // c1 still has 300 queued: 3 frames
        assertFalse(w.isDone());
        t1.completeOne();
        assertTrue(w.isDone(), "c1 caught up");
        assertTrue(b.whenBelowLimit().toCompletableFuture().isDone());
    }

    @Test
    void aStalledClientStopsCountingUntilAWriteCompletes() {
        Backlog b = new Backlog(1 << 20, 300);
        ControlledTransport t = new ControlledTransport();
        Client c = client(t, 1200, b);
        c.send(Frame.of("a".repeat(100)));
        c.send(Frame.of("b".repeat(100)));
        CompletableFuture<Void> w = b.whenBelowLimit().toCompletableFuture();
        assertTrue(w.isDone(), "under the limit of one share");
        c.send(Frame.of("c".repeat(100)));
        c.send(Frame.of("d".repeat(100)));
        CompletableFuture<Void> held = b.whenBelowLimit().toCompletableFuture();
        assertFalse(held.isDone());
        long now = System.nanoTime();
        c.checkStalled(now, Long.MAX_VALUE);
        assertFalse(held.isDone(), "not pending long enough");
        c.checkStalled(now + 1_000_000_000L, 500_000_000L);
        assertEquals(0, b.bytes());
        assertTrue(held.isDone(), "a stalled client holds nobody back");
        t.completeOne();                      // it reads again: counts again
        assertEquals(300, b.bytes());
        assertEquals(300, b.limitNow());
    }

    @Test
    void releaseFreesEveryWaiter() {
        Backlog b = new Backlog(100, 100);
        ControlledTransport t = new ControlledTransport();
        Client c = client(t, 1000, b);
        c.send(Frame.of("z".repeat(200)));
        CompletableFuture<Void> w = b.whenBelowLimit().toCompletableFuture();
        assertFalse(w.isDone());
        b.release();
        assertTrue(w.isDone());
        assertEquals(1, t.written.size());
    }
}
