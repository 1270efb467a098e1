package dev.socketserver.stats;

import dev.socketserver.error.ErrorCode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's counters, one instance per node, shared by every part that counts. Counting costs a
 * {@link LongAdder} increment on a counter resolved without a lookup (fields and enum-indexed
 * arrays): no lock, no allocation, no map on the paths that run per delivery or per batch. The
 * one map ({@link #apiCall}) is on the backend API's path, keyed by a bounded set of labels.
 *
 * <p>A disabled instance ({@code METRICS_ENABLED=false}) counts nothing: every method returns at
 * once. Readers ({@code metrics}) take sums at scrape time; a sum taken while others count is a
 * value the counter had at some moment during the read.
 *
 * <p>Thread-safe.
 */
public final class Stats {
    /** What a client's command was; {@link #OTHER} for frames that never parsed into one. */
    public enum Action {
        ENTER, LEAVE, PING, REFRESH, OTHER
    }

    /** How a recovery (an {@code enter} with {@code since}, or a handshake's {@code *_since}) ended. */
    public enum Recovery {
        RECOVERED, NOT_RECOVERED
    }

    /** HTTP statuses a WebSocket handshake is counted by; {@code 101} is an accepted connection. */
    private static final int[] HANDSHAKE_STATUSES = {101, 400, 401, 403, 429, 503};
    /** Upper bounds in seconds of the broker publish latency buckets ({@code +Inf} follows). */
    private static final double[] LATENCY_BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
            0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    private static final int MIN_CLOSE_CODE = 1000;
    private static final int MAX_CLOSE_CODE = 4999;
    /** Distinct API label sets counted; more would be a bug in a caller that passes unbounded values. */
    private static final int MAX_API_SERIES = 1024;

    private static final Stats DISABLED = new Stats(false);

    private final boolean enabled;
    private final LongAdder framesWritten = new LongAdder();
    private final LongAdder bytesWritten = new LongAdder();
    private final LongAdder[] handshakes = adders(HANDSHAKE_STATUSES.length + 1);
    private final LongAdder[][] commands = new LongAdder[Action.values().length][];
    private final LongAdder[] errorFrames = adders(ErrorCode.values().length);
    private final AtomicLongArray closes = new AtomicLongArray(MAX_CLOSE_CODE - MIN_CLOSE_CODE + 1);
    private final LongAdder[] recoveries = adders(Recovery.values().length);
    private final LongAdder[] publishLatency = adders(LATENCY_BOUNDS.length + 1);
    private final LongAdder publishNanos = new LongAdder();
    private final LongAdder publishErrors = new LongAdder();
    private final Map<ApiCall, LongAdder> apiCalls = new ConcurrentHashMap<>();
    private volatile EngineGauges engine = new EngineGauges() { };

    /** One label set of {@link #apiCall}. */
    public record ApiCall(String api, String method, String status) {
    }

    private Stats(boolean enabled) {
        this.enabled = enabled;
        for (Action a : Action.values()) {
            commands[a.ordinal()] = adders(ErrorCode.values().length + 1);
        }
    }

    /** Counters that count. */
    public static Stats create() {
        return new Stats(true);
    }

    /** The shared instance that counts nothing. */
    public static Stats disabled() {
        return DISABLED;
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    public boolean enabled() {
        return enabled;
    }

    // ---- counting ---------------------------------------------------------------------

    /** A batch of {@code frames} frames, {@code bytes} in all, was handed to a connection's transport. */
    public void written(int frames, long bytes) {
        if (enabled) {
            framesWritten.add(frames);
            bytesWritten.add(bytes);
        }
    }

    /** A WebSocket handshake was answered with {@code status} ({@code 101}: the connection opened). */
    public void handshake(int status) {
        if (enabled) {
            handshakes[handshakeIndex(status)].increment();
        }
    }

    /** A client command was answered: {@code error} {@code null} for success. */
    public void command(Action action, ErrorCode error) {
        if (enabled) {
            commands[action.ordinal()][error == null ? 0 : error.ordinal() + 1].increment();
        }
    }

    /** An error frame with {@code code} was sent to a client. */
    public void errorFrame(ErrorCode code) {
        if (enabled) {
            errorFrames[code.ordinal()].increment();
        }
    }

    /** The server closed a WebSocket with {@code code}; codes outside 1000-4999 are not counted. */
    public void closeSent(int code) {
        if (enabled && code >= MIN_CLOSE_CODE && code <= MAX_CLOSE_CODE) {
            closes.incrementAndGet(code - MIN_CLOSE_CODE);
        }
    }

    public void recovery(Recovery result) {
        if (enabled) {
            recoveries[result.ordinal()].increment();
        }
    }

    /** A publication's {@code Broker.publish} completed after {@code nanos}, {@code failed} or accepted. */
    public void brokerPublish(long nanos, boolean failed) {
        if (!enabled) {
            return;
        }
        double seconds = nanos / 1e9;
        int i = 0;
        while (i < LATENCY_BOUNDS.length && seconds > LATENCY_BOUNDS[i]) {
            i++;
        }
        publishLatency[i].increment();
        publishNanos.add(nanos);
        if (failed) {
            publishErrors.increment();
        }
    }

    /**
     * A backend API call was answered. Every value must come from a bounded set (an API name, a
     * method the API defines, a status code): never a room, user or anything a caller chose.
     */
    public void apiCall(String api, String method, String status) {
        if (!enabled) {
            return;
        }
        ApiCall key = new ApiCall(api, method, status);
        LongAdder a = apiCalls.get(key);
        if (a == null) {
            if (apiCalls.size() >= MAX_API_SERIES) {
                return;
            }
            a = apiCalls.computeIfAbsent(key, k -> new LongAdder());
        }
        a.increment();
    }

    /** The engine whose gauges are reported from now on (called by the node at start-up). */
    public void engine(EngineGauges gauges) {
        engine = gauges;
    }

    // ---- reading ----------------------------------------------------------------------

    public long framesWritten() {
        return framesWritten.sum();
    }

    public long bytesWritten() {
        return bytesWritten.sum();
    }

    /** The statuses {@link #handshakes(int)} reports separately; others count as {@code -1}. */
    public static int[] handshakeStatuses() {
        return HANDSHAKE_STATUSES.clone();
    }

    /** Handshakes answered with {@code status}; {@code -1}: every status not in {@link #handshakeStatuses()}. */
    public long handshakes(int status) {
        return handshakes[status == -1 ? HANDSHAKE_STATUSES.length : handshakeIndex(status)].sum();
    }

    private static int handshakeIndex(int status) {
        for (int i = 0; i < HANDSHAKE_STATUSES.length; i++) {
            if (HANDSHAKE_STATUSES[i] == status) {
                return i;
            }
        }
        return HANDSHAKE_STATUSES.length;
    }

    public long commands(Action action, ErrorCode error) {
        return commands[action.ordinal()][error == null ? 0 : error.ordinal() + 1].sum();
    }

    public long errorFrames(ErrorCode code) {
        return errorFrames[code.ordinal()].sum();
    }

    public long closesSent(int code) {
        return code < MIN_CLOSE_CODE || code > MAX_CLOSE_CODE ? 0 : closes.get(code - MIN_CLOSE_CODE);
    }

    public long recoveries(Recovery result) {
        return recoveries[result.ordinal()].sum();
    }

    /** Upper bounds (seconds) of {@link #publishLatencyCounts()}'s buckets but the last ({@code +Inf}). */
    public static double[] publishLatencyBounds() {
        return LATENCY_BOUNDS.clone();
    }

    /** Broker publishes per latency bucket (not cumulative); one more than the bounds, the last is {@code +Inf}. */
    public long[] publishLatencyCounts() {
        long[] out = new long[publishLatency.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = publishLatency[i].sum();
        }
        return out;
    }

    public long publishNanos() {
        return publishNanos.sum();
    }

    public long publishErrors() {
        return publishErrors.sum();
    }

    /** A copy of the API call counts by label set. */
    public Map<ApiCall, Long> apiCalls() {
        Map<ApiCall, Long> out = new java.util.TreeMap<>(java.util.Comparator.comparing(ApiCall::api)
                .thenComparing(ApiCall::method).thenComparing(ApiCall::status));
        apiCalls.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public EngineGauges engine() {
        return engine;
    }
}
