package dev.socketserver.bench;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * Everything the connections report: per-thread counters and latency histograms (merged at the
 * end), close codes and errors. Notification frames are parsed with byte searches only: the tool
 * must not become the bottleneck.
 */
final class Stats {
    private final ConcurrentLinkedQueue<ThreadStats> all = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<ThreadStats> mine = ThreadLocal.withInitial(() -> {
        ThreadStats t = new ThreadStats();
        all.add(t);
        return t;
    });
    final LongAdder opened = new LongAdder();
    final LongAdder handshakeFailed = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder enterFailed = new LongAdder();
    final LongAdder otherFrames = new LongAdder();
    final Map<String, LongAdder> handshakeErrors = new ConcurrentHashMap<>();
    final Map<Integer, LongAdder> closeCodes = new ConcurrentHashMap<>();
    final Map<Integer, LongAdder> stalledCloseCodes = new ConcurrentHashMap<>();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    /** Closes after this flag is set are our own (end of run) and are not counted. */
    volatile boolean closing;

    static final int NOTIFICATION = 1;
    static final int REPLY_OK = 2;
    static final int REPLY_ERROR = 3;
    static final int OTHER = 0;

    private static final byte[] TYPE_PREFIX = ascii("{\"type\"");
    private static final byte[] ID_PREFIX = ascii("{\"id\"");
    private static final byte[] OK = ascii("\"ok\":true");
    private static final byte[] ENTITY = ascii("\"entityId\":\"");
    private static final byte[] BODY = ascii("\"message\":\"");
    private static final byte[] OFFSET = ascii(",\"offset\":");

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** What a text frame is, from its first bytes: a notification, a reply (ok or error), other. */
    static int kind(ByteBuffer b) {
        if (startsWith(b, TYPE_PREFIX)) {
            return NOTIFICATION;
        }
        if (startsWith(b, ID_PREFIX)) {
            return indexOf(b, OK, b.position()) >= 0 ? REPLY_OK : REPLY_ERROR;
        }
        return OTHER;
    }

    /**
     * A notification frame: {@code {"type":..,"entityId":"<seq>","message":"<nanos>[ pad]",..}}.
     * Found with byte searches; nothing is decoded or allocated.
     */
    void notification(ByteBuffer b, long nowNanos, boolean stalled) {
        notification(mine.get(), null, b, nowNanos, stalled);
    }

    /**
     * {@link #notification(ByteBuffer, long, boolean)} into the calling thread's own
     * {@link #threadStats()}; with a connection, also checks per-stream order: the frame's
     * {@code offset} (present where the stream keeps history, the server's default) must be
     * above the last one that connection received, warm-up included. Publications are in flight
     * several at a time, so the entityId sequence may legitimately differ from the stream's
     * order; the offset is the stream's order.
     */
    void notification(ThreadStats t, BenchConnection conn, ByteBuffer b, long nowNanos, boolean stalled) {
        if (stalled) {
            t.stalledReceived++;
            return;
        }
        if (conn != null) {
            checkOrder(t, conn, b);
        }
        int e = indexOf(b, ENTITY, b.position());
        if (e < 0) {
            t.unparsed++;
            return;
        }
        e += ENTITY.length;
        if (e < b.limit() && b.get(e) == 'w') {
            t.warmupReceived.lazySet(t.warmupReceived.get() + 1);
            return;
        }
        int i = indexOf(b, BODY, e);
        if (i < 0) {
            t.unparsed++;
            return;
        }
        i += BODY.length;
        int start = i;
        long sent = 0;
        byte c;
        while (i < b.limit() && (c = b.get(i)) >= '0' && c <= '9') {
            sent = sent * 10 + (c - '0');
            i++;
        }
        if (i == start) {
            t.unparsed++;
            return;
        }
        t.measured(nowNanos, sent);
    }

    private static void checkOrder(ThreadStats t, BenchConnection c, ByteBuffer b) {
        // The benchmark's bodies are digits and spaces, so the first match is the position's.
        int i = indexOf(b, OFFSET, b.position());
        if (i < 0) {
            return;
        }
        i += OFFSET.length;
        int start = i;
        long offset = 0;
        byte d;
        while (i < b.limit() && (d = b.get(i)) >= '0' && d <= '9') {
            offset = offset * 10 + (d - '0');
            i++;
        }
        if (i == start) {
            return;
        }
        t.orderChecked++;
        if (offset <= c.lastOffset) {
            t.outOfOrder++;
        }
        c.lastOffset = offset;
    }

    private static boolean startsWith(ByteBuffer b, byte[] prefix) {
        if (b.remaining() < prefix.length) {
            return false;
        }
        int p = b.position();
        for (int k = 0; k < prefix.length; k++) {
            if (b.get(p + k) != prefix[k]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(ByteBuffer b, byte[] needle, int from) {
        int last = b.limit() - needle.length;
        byte first = needle[0];
        outer:
        for (int i = from; i <= last; i++) {
            if (b.get(i) != first) {
                continue;
            }
            for (int k = 1; k < needle.length; k++) {
                if (b.get(i + k) != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** The calling thread's counters and histogram (a receiving thread looks it up once). */
    ThreadStats threadStats() {
        return mine.get();
    }

    void closed(int code, boolean stalled) {
        if (!closing || stalled) {
            (stalled ? stalledCloseCodes : closeCodes).computeIfAbsent(code, k -> new LongAdder()).increment();
        }
    }

    void error(Throwable t) {
        if (!closing) {
            errors.computeIfAbsent(t.getClass().getSimpleName(), k -> new LongAdder()).increment();
        }
    }

    void handshakeFailed(Throwable t) {
        handshakeFailed.increment();
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage() == null ? "" : ": " + root.getMessage();
        String key = root.getClass().getSimpleName() + (msg.length() > 60 ? msg.substring(0, 60) : msg);
        handshakeErrors.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** A refused handshake, by what went wrong ({@code "HTTP 401"}, ...). */
    void handshakeFailed(String reason) {
        handshakeFailed.increment();
        handshakeErrors.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    long received() {
        long n = 0;
        for (ThreadStats t : all) {
            n += t.received.get();
        }
        return n;
    }

    long reads() {
        long n = 0;
        for (ThreadStats t : all) {
            n += t.reads.get();
        }
        return n;
    }

    long warmupReceived() {
        long n = 0;
        for (ThreadStats t : all) {
            n += t.warmupReceived.get();
        }
        return n;
    }

    /** Merged view; call after the run (reads each thread's counters first for visibility). */
    Summary summarize() {
        Summary s = new Summary();
        for (ThreadStats t : all) {
            s.received += t.received.get();
            s.latency.add(t.latency);
            s.stalledReceived += t.stalledReceived;
            s.unparsed += t.unparsed;
            s.orderChecked += t.orderChecked;
            s.outOfOrder += t.outOfOrder;
            if (t.received.get() > 0) {
                s.firstNanos = Math.min(s.firstNanos, t.firstNanos);
                s.lastNanos = Math.max(s.lastNanos, t.lastNanos);
            }
        }
        return s;
    }

    static Map<String, Long> snapshot(Map<?, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v.sum()));
        return out;
    }

    static final class Summary {
        final LatencyHistogram latency = new LatencyHistogram();
        long received;
        long stalledReceived;
        long unparsed;
        long orderChecked;
        long outOfOrder;
        long firstNanos = Long.MAX_VALUE;
        long lastNanos;
    }
}
