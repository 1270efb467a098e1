package dev.socketserver.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What one receiving thread saw. Written by its own thread only (no contention); the counters
 * are published with a release store so the main thread's reads see the histogram writes made
 * before them.
 */
final class ThreadStats {
    final LatencyHistogram latency = new LatencyHistogram();
    /** Measured notifications on live (non-stalled) connections. */
    final AtomicLong received = new AtomicLong();
    final AtomicLong warmupReceived = new AtomicLong();
    /** Socket reads that returned data (frames arrive one or many to a read). */
    final AtomicLong reads = new AtomicLong();
    long stalledReceived;
    long unparsed;
    /** Notifications whose stream offset was checked against the connection's previous one. */
    long orderChecked;
    /** Notifications whose stream offset was not above the connection's previous one. */
    long outOfOrder;
    long firstNanos = Long.MAX_VALUE;
    long lastNanos;

    void measured(long nowNanos, long sentNanos) {
        latency.record((nowNanos - sentNanos) / 1000);
        if (nowNanos < firstNanos) {
            firstNanos = nowNanos;
        }
        lastNanos = Math.max(lastNanos, nowNanos);
        received.lazySet(received.get() + 1);
    }
}
