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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The default {@link Broker}: single node only, nothing survives a restart (every stream gets a
 * new epoch). Publications are handed to this node's handler on the publishing thread while the
 * stream is locked, which makes "append to history, then fan out" atomic per stream without a
 * global lock. One lock per stream, striped by stream key, is the stream's only ordering domain:
 * every publication (with or without history or key, presence events too), history read and
 * sweep of a stream takes it. Streams without history or keys keep no state. A background
 * sweep drops expired entries and idle streams.
 */
public final class MemoryBroker implements Broker {
    private static final int STRIPES = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
    private final Map<String, Stream> streams = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;
    private volatile BrokerEventHandler handler;
    private volatile boolean closed;

    public MemoryBroker() {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "socket-server-history-sweeper");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, 5, 5, TimeUnit.SECONDS);
    }

    /** One stream's retained history, idempotency keys and offset counter. Guarded by its stripe's lock. */
    private static final class Stream {
        final String epoch = newEpoch();
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        final LinkedHashMap<String, Remembered> keys = new LinkedHashMap<>();
        long top;
        long keepUntil;
    }

    private record Entry(Publication publication, long expiresAt) {
    }

    private record Remembered(PublishResult result, long expiresAt) {
    }

    static String newEpoch() {
        return Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
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
        ReentrantLock lock = lockOf(target.streamKey());
        lock.lock();
        try {
            if (!options.keepsHistory() && options.idempotencyKey() == null) {
                handler.onPublication(new Publication(target, notification, null));
                return CompletableFuture.completedFuture(new PublishResult(null, false));
            }
            Stream s = streams.computeIfAbsent(target.streamKey(), k -> new Stream());
            long now = System.nanoTime();
            expire(s, now);
            String key = options.idempotencyKey();
            if (key != null) {
                Remembered r = s.keys.get(key);
                if (r != null) {
                    return CompletableFuture.completedFuture(new PublishResult(r.result().position(), true));
                }
            }
            StreamPosition position = null;
            Publication p;
            if (options.keepsHistory()) {
                position = new StreamPosition(++s.top, s.epoch);
                p = new Publication(target, notification, position);
                long ttl = options.historyTtl().toNanos();
                s.entries.addLast(new Entry(p, now + ttl));
                while (s.entries.size() > options.historySize()) {
                    s.entries.removeFirst();
                }
                s.keepUntil = Math.max(s.keepUntil, now + ttl);
            } else {
                p = new Publication(target, notification, null);
            }
            handler.onPublication(p);
            PublishResult result = new PublishResult(position, false);
            if (key != null) {
                long until = now + options.idempotencyWindow().toNanos();
                s.keys.put(key, new Remembered(result, until));
                s.keepUntil = Math.max(s.keepUntil, until);
            }
            return CompletableFuture.completedFuture(result);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<HistoryResult> history(Target target, HistoryQuery query) {
        if (closed) {
            return unavailable();
        }
        ReentrantLock lock = lockOf(target.streamKey());
        lock.lock();
        try {
            // Created on read too, so an empty stream's epoch stays stable for clients that saved it.
            Stream s = streams.computeIfAbsent(target.streamKey(), k -> new Stream());
            long now = System.nanoTime();
            expire(s, now);
            s.keepUntil = Math.max(s.keepUntil, now + TimeUnit.MINUTES.toNanos(1));
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

    private static void expire(Stream s, long now) {
        while (!s.entries.isEmpty() && s.entries.peekFirst().expiresAt() - now <= 0) {
            s.entries.removeFirst();
        }
        Iterator<Remembered> keys = s.keys.values().iterator();
        while (keys.hasNext() && keys.next().expiresAt() - now <= 0) {
            keys.remove();
        }
    }

    /** Drops expired entries, and streams with nothing left to keep (their next use gets a new epoch). */
    void sweep() {
        long now = System.nanoTime();
        for (String key : streams.keySet()) {
            ReentrantLock lock = lockOf(key);
            lock.lock();
            try {
                Stream s = streams.get(key);
                if (s != null) {
                    expire(s, now);
                    if (s.entries.isEmpty() && s.keys.isEmpty() && s.keepUntil - now <= 0) {
                        streams.remove(key);
                    }
                }
            } finally {
                lock.unlock();
            }
        }
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
