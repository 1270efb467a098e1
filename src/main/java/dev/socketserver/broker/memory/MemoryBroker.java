package dev.socketserver.broker.memory;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerEventHandler;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The default {@link Broker}: single node only, nothing survives a restart (every stream gets a
 * new epoch). Publications are handed to this node's handler on the publishing thread while the
 * stream is locked, which makes "append to history, then fan out" atomic per stream without a
 * global lock. One lock per stream, striped by stream key, is the stream's only ordering domain:
 * every publication (with or without history or key, presence events too), history read and
 * sweep of a stream takes it. Nothing else is done under it: the bounds below are enforced
 * after the lock is released.
 *
 * <p>State and its bounds ({@link Limits}):
 * <ul>
 *   <li>A stream has state only once a publication to it kept history or an idempotency key:
 *   its retained publications (bounded by each publication's size and age), its position
 *   (epoch and last offset) and its keys. The position outlives the entries: it is dropped
 *   {@code positionTtl} after the stream's last publication, so a quiet stream keeps its epoch
 *   and a client's old position still gets a correct answer.</li>
 *   <li>Reading never creates state: a stream without state answers offset 0 and the epoch its
 *   first publication will get (until some stream's state is dropped, which moves it on).</li>
 *   <li>At most {@code maxStreams} streams keep state; past it, the least recently published
 *   stream of a sample is dropped. Its next publication starts a new epoch at offset 1, so a
 *   client recovering from it gets recovered:false; live members miss nothing.</li>
 *   <li>At most {@code maxKeys} idempotency keys over all streams; past it the oldest are
 *   forgotten before their window ends, and a retry with one is delivered again.</li>
 *   <li>An epoch never names two histories: every stream created after a stream's state was
 *   dropped gets an epoch no earlier stream had.</li>
 * </ul>
 * A background sweep drops expired entries, keys and positions; it survives its own failures.
 */
public final class MemoryBroker implements Broker {
    private static final Logger LOG = Logger.getLogger(MemoryBroker.class.getName());
    private static final int STRIPES = 256;
    /** Streams looked at to choose one to drop: the least recently published of them goes. */
    private static final int EVICTION_SAMPLE = 16;
    private static final long SWEEP_SECONDS = 5;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final PublishResult NO_POSITION = new PublishResult(null, false);

    /**
     * Bounds of what the broker keeps.
     *
     * @param maxStreams  streams with state (history, position or keys)
     * @param maxKeys     idempotency keys over all streams
     * @param positionTtl how long a stream's position is kept after its last publication
     */
    public record Limits(int maxStreams, int maxKeys, Duration positionTtl) {
        public Limits {
            if (maxStreams < 1 || maxKeys < 1 || positionTtl.isNegative() || positionTtl.isZero()) {
                throw new IllegalArgumentException("limits must be positive: " + maxStreams + ", " + maxKeys + ", " + positionTtl);
            }
        }

        public static Limits defaults() {
            return new Limits(100_000, 100_000, Duration.ofHours(24));
        }
    }

    private final Limits limits;
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
    private volatile BrokerEventHandler handler;
    private volatile boolean closed;

    public MemoryBroker() {
        this(Limits.defaults(), Clock.systemUTC());
    }

    /** @param clock time for expiry (tests move it) */
    public MemoryBroker(Limits limits, Clock clock) {
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

    @Override
    public void start(BrokerEventHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    @Override
    public CompletionStage<PublishResult> publish(Target target, Notification notification, PublishOptions options) {
        if (closed || handler == null) {
            return unavailable();
        }
        PublishResult result;
        ReentrantLock lock = lockOf(target.streamKey());
        lock.lock();
        try {
            result = publishLocked(target, notification, options);
        } finally {
            lock.unlock();
        }
        enforceLimits();
        return CompletableFuture.completedFuture(result);
    }

    /** Holding the stream's lock. */
    private PublishResult publishLocked(Target target, Notification notification, PublishOptions options) {
        String streamKey = target.streamKey();
        String key = options.idempotencyKey();
        Stream s = streams.get(streamKey);
        if (s == null && !options.keepsHistory() && key == null) {
            deliver(new Publication(target, notification, null));
            return NO_POSITION;
        }
        long now = clock.millis();
        if (s != null) {
            expire(s, now);
            Remembered r = key == null || s.keys == null ? null : s.keys.get(key);
            if (r != null) {
                return new PublishResult(r.result().position(), true);
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
        deliver(p);
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
        return result;
    }

    /** The publication is accepted (appended) before this: a failing handler must not turn it into a failure. */
    private void deliver(Publication p) {
        try {
            handler.onPublication(p);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the node failed to deliver a publication to " + p.target().streamKey(), e);
        }
    }

    private String epochOf(long gen) {
        return epochBase + "-" + Long.toString(gen, 36);
    }

    @Override
    public CompletionStage<HistoryResult> history(Target target, HistoryQuery query) {
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
        int seen = 0;
        for (Map.Entry<String, Stream> e : streams.entrySet()) {
            if (e.getValue().lastPublished < oldest) {
                oldest = e.getValue().lastPublished;
                victim = e.getKey();
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

    /** Streams with state; for tests. */
    int streamCount() {
        return streams.size();
    }

    /** Idempotency keys remembered, over all streams; for tests. */
    int keyCount() {
        int n = 0;
        for (String key : streams.keySet()) {
            ReentrantLock lock = lockOf(key);
            lock.lock();
            try {
                Stream s = streams.get(key);
                n += s == null || s.keys == null ? 0 : s.keys.size();
            } finally {
                lock.unlock();
            }
        }
        return n;
    }

    private static <T> CompletionStage<T> unavailable() {
        return CompletableFuture.failedFuture(new ServerException(ErrorCode.UNAVAILABLE, "broker is not running"));
    }

    /** The lock of a stream's stripe: every publication, read and sweep of the stream takes it. */
    private ReentrantLock lockOf(String streamKey) {
        int h = streamKey.hashCode();
        return locks[(h ^ (h >>> 16)) & (STRIPES - 1)];
    }

    @Override
    public void close() {
        closed = true;
        sweeper.shutdownNow();
    }
}
