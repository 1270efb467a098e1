package dev.socketserver.hub;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's outbound backlog: the bytes queued for clients that keep reading, and the
 * publishers' flow control on it.
 *
 * <p>Publishing only queues, so without a bound a publisher that is faster than the sockets
 * would grow every queue until each client is closed as a slow consumer, although all of them
 * read. Instead, while the backlog is at its limit, {@link #whenBelowLimit()} holds the
 * publisher's reply back (no thread waits) until writes bring it under again: publishers slow
 * down to the pace of the readers as a whole.
 *
 * <p>What counts: each client counts its queued bytes up to {@code share} (a quarter of its own
 * bound), and nothing while its writes have stalled ({@link Client#checkStalled}) or once it is
 * closed. The limit is {@code limit} or, with few clients, {@code share} times the clients that
 * count, whichever is lower; so the readers as a whole must fall behind by a quarter of a queue
 * on average before publishers wait. One slow client among many, or any number that have
 * stopped reading, cannot hold publishing up: they grow to their own bound and are closed as
 * slow consumers.
 *
 * <p>Thread-safe. Waiters are completed on the thread that brings the backlog under the limit.
 */
public final class Backlog {
    private static final CompletableFuture<Void> NOW = CompletableFuture.completedFuture(null);

    private final long limit;
    private final long share;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger counting = new AtomicInteger();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> waiting = new ConcurrentLinkedQueue<>();
    private final LongAdder waits = new LongAdder();

    /**
     * @param limit bytes at which publishers are held back; {@code Long.MAX_VALUE} for never
     * @param share the most one client counts
     */
    public Backlog(long limit, long share) {
        this.limit = limit;
        this.share = Math.max(1, share);
    }

    /** No flow control (tests, tools). */
    public static Backlog unbounded() {
        return new Backlog(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /** Counted bytes now; for stats and tests. */
    public long bytes() {
        return bytes.get();
    }

    /** Replies held back since start (each {@link #whenBelowLimit()} that did not complete at once). */
    public long waits() {
        return waits.sum();
    }

    /** The limit now, given the clients that count. */
    public long limitNow() {
        long n = Math.max(1, counting.get());
        return n > limit / share ? limit : Math.min(limit, n * share);
    }

    /** What a client with {@code queued} bytes counts. */
    long shareOf(long queued) {
        return Math.min(queued, share);
    }

    void add(long delta) {
        if (delta == 0) {
            return;
        }
        long now = bytes.addAndGet(delta);
        if (delta < 0 && !waiting.isEmpty() && now < limitNow()) {
            release();
        }
    }

    /** A tally for one fan-out: its clients' growth, added here once by {@link Tally#commit}. */
    Tally tally() {
        return new Tally(this);
    }

    /**
     * The backlog growth of one fan-out's queueing steps, summed on the fan-out's thread and
     * added to the backlog once, rather than one contended update per client. One per fan-out
     * (never per client); confined to its thread.
     */
    static final class Tally {
        private final Backlog backlog;
        private long growth;

        private Tally(Backlog backlog) {
            this.backlog = backlog;
        }

        void add(long delta) {
            growth += delta;
        }

        /** Adds the sum to the backlog and starts again from zero. */
        void commit() {
            long g = growth;
            growth = 0;
            backlog.add(g);
        }
    }

    /** A client starts ({@code +1}) or stops ({@code -1}) counting. */
    void counting(int change) {
        counting.addAndGet(change);
        if (change > 0 && !waiting.isEmpty() && bytes.get() < limitNow()) {
            release();
        }
    }

    /** Completes at once while under the limit, else as soon as writes bring the backlog under it. */
    public CompletionStage<Void> whenBelowLimit() {
        if (bytes.get() < limitNow()) {
            return NOW;
        }
        waits.increment();
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiting.add(f);
        if (bytes.get() < limitNow()) {
            release(); // the last write may have completed between the check and the add
        }
        return f;
    }

    /** Releases every waiter (used on shutdown too, so no publisher waits forever). */
    public void release() {
        CompletableFuture<Void> f;
        while ((f = waiting.poll()) != null) {
            f.complete(null);
        }
    }
}
