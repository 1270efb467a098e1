package dev.socketserver.hub;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Server pings. Every {@code pingInterval} all idle clients are pinged at once; a client that
 * has shown no sign of life (a pong, any inbound frame, a completed write) within
 * {@code pongTimeout} of the last ping is closed with {@link Disconnect#NO_PONG}. The same tick
 * marks clients whose write has been pending for {@link #STALL} as stalled, so they stop
 * counting in the node's {@link Backlog}. One periodic task per node, not one per connection.
 */
public final class Heartbeat implements AutoCloseable {
    /** A write pending this long means the peer has stopped reading, for the backlog's purposes. */
    static final Duration STALL = Duration.ofMillis(500);
    private static final long STALL_CHECK_MILLIS = 250;

    private final Hub hub;
    private final long pingIntervalNanos;
    private final long pongTimeoutNanos;
    private final ScheduledFuture<?> task;
    private final ScheduledFuture<?> stallTask;
    private volatile long lastPingNanos;

    public Heartbeat(Hub hub, Duration pingInterval, Duration pongTimeout,
                     ScheduledExecutorService scheduler) {
        this.hub = hub;
        this.pingIntervalNanos = pingInterval.toNanos();
        this.pongTimeoutNanos = pongTimeout.toNanos();
        this.lastPingNanos = System.nanoTime();
        long tick = Math.max(50, Math.min(1000, Math.min(pingInterval.toMillis(), pongTimeout.toMillis()) / 4));
        this.task = scheduler.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
        this.stallTask = scheduler.scheduleWithFixedDelay(this::checkStalls, STALL_CHECK_MILLIS,
                STALL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
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

    private void checkStalls() {
        long now = System.nanoTime();
        long stall = STALL.toNanos();
        for (Client c : hub.clients()) {
            c.checkStalled(now, stall);
        }
    }

    @Override
    public void close() {
        task.cancel(false);
        stallTask.cancel(false);
    }
}
