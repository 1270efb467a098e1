package dev.socketserver.hub;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Server pings. Every {@code pingInterval} all idle clients are pinged at once; a client that
 * has shown no sign of life (a pong, any inbound frame, a completed write) within
 * {@code pongTimeout} of the last ping is closed with {@link Disconnect#NO_PONG}. One periodic
 * task per node, not one per connection.
 */
public final class Heartbeat implements AutoCloseable {
    private final Hub hub;
    private final long pingIntervalNanos;
    private final long pongTimeoutNanos;
    private final ScheduledFuture<?> task;
    private volatile long lastPingNanos;

    public Heartbeat(Hub hub, Duration pingInterval, Duration pongTimeout,
                     ScheduledExecutorService scheduler) {
        this.hub = hub;
        this.pingIntervalNanos = pingInterval.toNanos();
        this.pongTimeoutNanos = pongTimeout.toNanos();
        this.lastPingNanos = System.nanoTime();
        long tick = Math.max(50, Math.min(1000, Math.min(pingInterval.toMillis(), pongTimeout.toMillis()) / 4));
        this.task = scheduler.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        long now = System.nanoTime();
        long pingedAt = lastPingNanos;
        boolean pingDue = now - pingedAt >= pingIntervalNanos;
        boolean pongDue = now - pingedAt >= pongTimeoutNanos;
        if (pingDue) {
            lastPingNanos = now;
        }
        for (Client c : hub.clients()) {
            if (pongDue && c.lastSeenNanos() - pingedAt < 0) {
                c.close(Disconnect.NO_PONG);
            } else if (pingDue) {
                c.ping();
            }
        }
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
