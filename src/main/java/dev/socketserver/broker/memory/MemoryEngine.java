package dev.socketserver.broker.memory;

import dev.socketserver.broker.ControlCommand;
import dev.socketserver.broker.ControlReply;
import dev.socketserver.broker.Gap;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.broker.HistoryResult;
import dev.socketserver.broker.PublishOptions;
import dev.socketserver.broker.PublishResult;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Publication;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The state of the in-process broker, shared by the nodes of one JVM through their
 * {@link MemoryBroker}s (one node in production; two in the contract tests, like two servers on
 * one engine). Nothing survives a restart (every stream gets a new epoch).
 *
 * <p>Publications are handed to the interested nodes' handlers on the publishing thread while
 * the stream is locked, which makes "append to history, then fan out" atomic per stream without
 * a global lock. One lock per stream, striped by stream key, is the stream's only ordering
 * domain: every publication (with or without history or key, presence events too), history
 * read, interest change and sweep of a stream takes it. Nothing else is done under it: the
 * bounds below are enforced, and gaps reported, after the lock is released.
 *
 * <p>State and its bounds ({@link MemoryBroker.Limits}):
 * <ul>
 *   <li>A stream has state only once a publication to it kept history or an idempotency key:
 *   its retained publications (bounded by each publication's size and age), its position
 *   (epoch and last offset) and its keys. The position outlives the entries: it is dropped
 *   {@code positionTtl} after the stream's last publication, so a quiet stream keeps its epoch
 *   and a client's old position still gets a correct answer.</li>
 *   <li>Reading never creates state: a stream without state answers offset 0 and the epoch its
 *   first publication will get (until some stream's state is dropped, which moves it on).</li>
 *   <li>At most {@code maxStreams} streams keep state; past it, the least recently published
 *   stream of a sample is dropped, one no node follows if the sample has one. Its next
 *   publication starts a new epoch at offset 1, so a client recovering from it gets
 *   recovered:false; live members miss nothing.</li>
 *   <li>At most {@code maxKeys} idempotency keys over all streams; past it the oldest are
 *   forgotten before their window ends, and a retry with one is delivered again.</li>
 *   <li>An epoch never names two histories: every stream created after a stream's state was
 *   dropped gets an epoch no earlier stream had.</li>
 *   <li>Interest: one entry per stream some node follows.</li>
 * </ul>
 * A background sweep drops expired entries, keys and positions; it survives its own failures.
 */
public final class MemoryEngine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MemoryEngine.class.getName());
    private static final int STRIPES = 256;
    /** Streams looked at to choose one to drop: the least recently published of them goes. */
    private static final int EVICTION_SAMPLE = 16;
    private static final long SWEEP_SECONDS = 5;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final PublishResult NO_POSITION = new PublishResult(null, false);
    private static final MemoryBroker[] NO_NODES = new MemoryBroker[0];

    private final MemoryBroker.Limits limits;
    private final Clock clock;
    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
    private final Map<String, Stream> streams = new ConcurrentHashMap<>();
    /** Every key remembered, oldest first: the bound forgets from the head. */
    private final ConcurrentLinkedQueue<KeyRef> keyOrder = new ConcurrentLinkedQueue<>();
    private final AtomicInteger keyRefs = new AtomicInteger();
    /** The part of every epoch that changes with each broker (restart). */
    private final String epochBase = Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    /**
     * The other part: streams created now get it. Raised past a dropped stream's own, so a
     * stream created again never gets an epoch it had before.
     */
    private final AtomicLong generation = new AtomicLong();
    private final ScheduledExecutorService sweeper;
    /** The nodes attached, for control commands. */
    private final List<MemoryBroker> nodes = new CopyOnWriteArrayList<>();
    /** The nodes following each stream; changed under the stream's lock, copied on change. */
    private final Map<String, MemoryBroker[]> interest = new ConcurrentHashMap<>();
    private volatile boolean closed;

    MemoryBroker.Limits limits() {
        return limits;
    }

    /** An engine for nodes to share through {@link MemoryBroker#MemoryBroker(MemoryEngine)}. @param clock time for expiry (tests move it) */
    public MemoryEngine(MemoryBroker.Limits limits, Clock clock) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.clock = Objects.requireNonNull(clock, "clock");
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "socket-server-history-sweeper");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
    }

    /** One stream's retained history, position and idempotency keys. Guarded by its stripe's lock. */
    private static final class Stream {
        final String epoch;
        final long generation;
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        /** Made on the first key. */
        LinkedHashMap<String, Remembered> keys;
        long top;
        /** Read without the lock to choose what to drop. */
        volatile long lastPublished;

        Stream(String epoch, long generation) {
            this.epoch = epoch;
            this.generation = generation;
        }

        boolean hasKeys() {
            return keys != null && !keys.isEmpty();
        }
    }

    private record Entry(Publication publication, long expiresAt) {
    }

    private record Remembered(PublishResult result, long expiresAt) {
    }

    /** Where a remembered key lives, in {@link #keyOrder}. */
    private record KeyRef(String streamKey, String key, Remembered remembered) {
    }

    void attach(MemoryBroker node) {
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
        nodes.add(node);
    }

    /** A node leaves: its interest goes with it. */
    void detach(MemoryBroker node) {
        nodes.remove(node);
        for (String streamKey : interest.keySet()) {
            changeInterest(streamKey, node, false);
        }
    }

    void changeInterest(String streamKey, MemoryBroker node, boolean on) {
        ReentrantLock lock = lockOf(streamKey);
        lock.lock();
        try {
            MemoryBroker[] now = interest.getOrDefault(streamKey, NO_NODES);
            int at = Arrays.asList(now).indexOf(node);
            if (on && at < 0) {
                MemoryBroker[] more = Arrays.copyOf(now, now.length + 1);
                more[now.length] = node;
                interest.put(streamKey, more);
            } else if (!on && at >= 0) {
                if (now.length == 1) {
                    interest.remove(streamKey);
                } else {
                    MemoryBroker[] fewer = new MemoryBroker[now.length - 1];
                    System.arraycopy(now, 0, fewer, 0, at);
                    System.arraycopy(now, at + 1, fewer, at, now.length - at - 1);
                    interest.put(streamKey, fewer);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Every attached node's answer; fails with the first node's failure after asking them all. */
    CompletionStage<List<ControlReply>> control(ControlCommand command) {
        if (closed) {
            return unavailable();
        }
        List<ControlReply> replies = new ArrayList<>();
        RuntimeException failure = null;
        for (MemoryBroker node : nodes) {
            try {
                replies.add(node.onControl(command));
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        return failure == null ? CompletableFuture.completedFuture(replies) : CompletableFuture.failedFuture(failure);
    }

    /** What a publication did: its result, and the nodes that failed to take it (told of a gap after the lock). */
    private record Published(PublishResult result, List<MemoryBroker> failed) {
    }

    CompletionStage<PublishResult> publish(Target target, Notification notification, PublishOptions options) {
        if (closed) {
            return unavailable();
        }
        Published done;
        ReentrantLock lock = lockOf(target.streamKey());
        lock.lock();
        try {
            done = publishLocked(target, notification, options);
        } finally {
            lock.unlock();
        }
        for (MemoryBroker node : done.failed()) {
            node.onGap(new Gap.Stream(target));
        }
        enforceLimits();
        return CompletableFuture.completedFuture(done.result());
    }

    /** Holding the stream's lock. */
    private Published publishLocked(Target target, Notification notification, PublishOptions options) {
        String streamKey = target.streamKey();
        String key = options.idempotencyKey();
        Stream s = streams.get(streamKey);
        if (s == null && !options.keepsHistory() && key == null) {
            return new Published(NO_POSITION, deliver(new Publication(target, notification, null)));
        }
        long now = clock.millis();
        if (s != null) {
            expire(s, now);
            Remembered r = key == null || s.keys == null ? null : s.keys.get(key);
            if (r != null) {
                return new Published(new PublishResult(r.result().position(), true), List.of());
            }
        } else {
            s = new Stream(epochOf(generation.get()), generation.get());
            streams.put(streamKey, s);
        }
        StreamPosition position = null;
        Publication p;
        if (options.keepsHistory()) {
            position = new StreamPosition(++s.top, s.epoch);
            p = new Publication(target, notification, position);
            s.entries.addLast(new Entry(p, now + options.historyTtl().toMillis()));
            while (s.entries.size() > options.historySize()) {
                s.entries.removeFirst();
            }
        } else {
            p = new Publication(target, notification, null);
        }
        s.lastPublished = now;
        List<MemoryBroker> failed = deliver(p);
        PublishResult result = new PublishResult(position, false);
        if (key != null) {
            Remembered r = new Remembered(result, now + options.idempotencyWindow().toMillis());
            if (s.keys == null) {
                s.keys = new LinkedHashMap<>();
            }
            s.keys.put(key, r);
            keyOrder.add(new KeyRef(streamKey, key, r));
            keyRefs.incrementAndGet();
        }
        return new Published(result, failed);
    }

    /**
     * Hands the publication to every interested node; returns those that failed. It is accepted
     * (appended) before this: a failing node must not turn it into a failure for the publisher,
     * but that node is told of a gap.
     */
    private List<MemoryBroker> deliver(Publication p) {
        List<MemoryBroker> failed = List.of();
        for (MemoryBroker node : interest.getOrDefault(p.target().streamKey(), NO_NODES)) {
            try {
                node.onPublication(p);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a node failed to take a publication of " + p.target().streamKey()
                        + "; it is told of a gap", e);
                failed = failed.isEmpty() ? new ArrayList<>(2) : failed;
                failed.add(node);
            }
        }
        return failed;
    }

    private String epochOf(long gen) {
        return epochBase + "-" + Long.toString(gen, 36);
    }

    CompletionStage<HistoryResult> history(Target target, HistoryQuery query) {
        if (closed) {
            return unavailable();
        }
        ReentrantLock lock = lockOf(target.streamKey());
        lock.lock();
        try {
            Stream s = streams.get(target.streamKey());
            if (s == null) {
                // Nothing kept: the position the stream's first publication will continue.
                return CompletableFuture.completedFuture(
                        new HistoryResult(List.of(), new StreamPosition(0, epochOf(generation.get())), 1));
            }
            expire(s, clock.millis());
            StreamPosition top = new StreamPosition(s.top, s.epoch);
            long oldest = s.entries.isEmpty() ? s.top + 1 : s.entries.peekFirst().publication().position().offset();
            List<Publication> out = new ArrayList<>();
            StreamPosition since = query.since();
            if (query.limit() > 0 && (since == null || since.epoch().equals(s.epoch))) {
                long after = since == null ? 0 : since.offset();
                Iterator<Entry> it = query.reverse() ? s.entries.descendingIterator() : s.entries.iterator();
                while (it.hasNext() && out.size() < query.limit()) {
                    Publication p = it.next().publication();
                    if (p.position().offset() > after) {
                        out.add(p);
                    } else if (query.reverse()) {
                        break;
                    }
                }
            }
            return CompletableFuture.completedFuture(new HistoryResult(out, top, oldest));
        } finally {
            lock.unlock();
        }
    }

    /** Holding the stream's lock. */
    private static void expire(Stream s, long now) {
        while (!s.entries.isEmpty() && s.entries.peekFirst().expiresAt() <= now) {
            s.entries.removeFirst();
        }
        if (s.keys != null) {
            Iterator<Remembered> keys = s.keys.values().iterator();
            while (keys.hasNext() && keys.next().expiresAt() <= now) {
                keys.remove();
            }
        }
    }

    /** Brings streams and keys back within their bounds; holding no lock (it takes other streams' locks). */
    private void enforceLimits() {
        while (streams.size() > limits.maxStreams() && dropLeastRecentlyPublished()) {
            // until within the bound
        }
        while (keyRefs.get() > limits.maxKeys()) {
            KeyRef oldest = keyOrder.poll();
            if (oldest == null) {
                break;
            }
            keyRefs.decrementAndGet();
            forget(oldest);
        }
    }

    /** Drops the least recently published stream of a sample; false if there was none. */
    private boolean dropLeastRecentlyPublished() {
        String victim = null;
        long oldest = Long.MAX_VALUE;
        boolean followed = true;
        int seen = 0;
        for (Map.Entry<String, Stream> e : streams.entrySet()) {
            boolean f = interest.containsKey(e.getKey());
            long at = e.getValue().lastPublished;
            // Prefer a stream no node follows; among equals, the least recently published.
            if (victim == null || (followed && !f) || (followed == f && at < oldest)) {
                oldest = at;
                victim = e.getKey();
                followed = f;
            }
            if (++seen == EVICTION_SAMPLE) {
                break;
            }
        }
        if (victim == null) {
            return false;
        }
        ReentrantLock lock = lockOf(victim);
        lock.lock();
        try {
            Stream s = streams.remove(victim);
            if (s != null) {
                retire(s);
            }
        } finally {
            lock.unlock();
        }
        return true;
    }

    private void forget(KeyRef ref) {
        ReentrantLock lock = lockOf(ref.streamKey());
        lock.lock();
        try {
            Stream s = streams.get(ref.streamKey());
            if (s != null && s.keys != null && s.keys.get(ref.key()) == ref.remembered()) {
                s.keys.remove(ref.key());
            }
        } finally {
            lock.unlock();
        }
    }

    /** A stream's state was dropped: streams created from now on get a later epoch than it had. */
    private void retire(Stream s) {
        generation.accumulateAndGet(s.generation + 1, Math::max);
    }

    /**
     * Drops expired entries and keys, and the state of streams with nothing left to keep whose
     * position has outlived {@code positionTtl}. Never throws: a scheduled task that throws is
     * not run again.
     */
    void sweep() {
        try {
            long now = clock.millis();
            long positionTtl = limits.positionTtl().toMillis();
            for (String key : streams.keySet()) {
                ReentrantLock lock = lockOf(key);
                lock.lock();
                try {
                    Stream s = streams.get(key);
                    if (s != null) {
                        expire(s, now);
                        if (s.entries.isEmpty() && !s.hasKeys() && now - s.lastPublished >= positionTtl) {
                            streams.remove(key);
                            retire(s);
                        }
                    }
                } finally {
                    lock.unlock();
                }
            }
            KeyRef head;
            while ((head = keyOrder.peek()) != null && head.remembered().expiresAt() <= now && keyOrder.remove(head)) {
                keyRefs.decrementAndGet();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "history sweep failed; the next one runs as scheduled", e);
        }
    }

    /** Streams some node follows; for tests. */
    int interestCount() {
        return interest.size();
    }

    /** Streams with state; for tests. */
    int streamCount() {
        return streams.size();
    }

    /** Publications retained over all streams (takes each stream's lock in turn: for metrics, not for a hot path). */
    long entryCount() {
        return sumOverStreams(s -> s.entries.size());
    }

    /** Idempotency keys remembered, over all streams; for tests. */
    int keyCount() {
        return Math.toIntExact(sumOverStreams(s -> s.keys == null ? 0 : s.keys.size()));
    }

    /** Sums {@code count} over every stream, each read under its stream's lock. */
    private long sumOverStreams(java.util.function.ToIntFunction<Stream> count) {
        long n = 0;
        for (String key : streams.keySet()) {
            ReentrantLock lock = lockOf(key);
            lock.lock();
            try {
                Stream s = streams.get(key);
                n += s == null ? 0 : count.applyAsInt(s);
            } finally {
                lock.unlock();
            }
        }
        return n;
    }

    static <T> CompletionStage<T> unavailable() {
        return CompletableFuture.failedFuture(new ServerException(ErrorCode.UNAVAILABLE, "broker is not running"));
    }

    /** The lock of a stream's stripe: every publication, read and sweep of the stream takes it. */
    private ReentrantLock lockOf(String streamKey) {
        int h = streamKey.hashCode();
        return locks[(h ^ (h >>> 16)) & (STRIPES - 1)];
    }

    boolean isClosed() {
        return closed;
    }

    /** Every later call fails with {@code UNAVAILABLE}. */
    @Override
    public void close() {
        closed = true;
        sweeper.shutdownNow();
    }
}
