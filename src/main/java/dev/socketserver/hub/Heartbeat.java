package dev.socketserver.hub;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Server pings. Every client is pinged once per {@code pingInterval}, the clients spread evenly
 * over the interval (by a hash of their id), so that 10,000 connections do not all answer in the
 * same millisecond (a burst of pongs made Jetty grow its thread pool to its maximum and keep
 * it). A client with a write in flight is not sent a ping (its completing writes prove it alive)
 * but its clock runs all the same. A client that has shown no sign of life (a pong, any inbound
 * frame, a completed write) within {@code pongTimeout} of a ping is closed with
 * {@link Disconnect#NO_PONG}. A second task marks clients whose write has been pending for
 * {@link #STALL} as stalled, so they stop counting in the node's {@link Backlog}. Two periodic
 * tasks per node, none per connection.
 *
 * <p>Both tasks survive their own exceptions: a scheduled task that throws is never run again,
 * so a failure with one client (a transport that throws, a close whose side effects fail) is
 * logged and the round goes on with the next client, and anything else a round throws (an
 * {@link Error} included) is logged and ends that round only: the next one runs as scheduled.
 */
public final class Heartbeat implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Heartbeat.class.getName());
    /** A write pending this long means the peer has stopped reading, for the backlog's purposes. */
    static final Duration STALL = Duration.ofMillis(500);
    private static final long STALL_CHECK_MILLIS = 250;

    private final Hub hub;
    private final long pongTimeoutNanos;
    private final ScheduledFuture<?> task;
    private final ScheduledFuture<?> stallTask;
    private final int slots;
    private long ticks;

    public Heartbeat(Hub hub, Duration pingInterval, Duration pongTimeout,
                     ScheduledExecutorService scheduler) {
        this.hub = hub;
        this.pongTimeoutNanos = pongTimeout.toNanos();
        long tick = Math.max(50, Math.min(1000, Math.min(pingInterval.toMillis(), pongTimeout.toMillis()) / 4));
        this.slots = (int) Math.max(1, Math.min(100_000, pingInterval.toMillis() / tick));
        this.task = scheduler.scheduleWithFixedDelay(() -> survive("heartbeat", this::tick), tick, tick,
                TimeUnit.MILLISECONDS);
        this.stallTask = scheduler.scheduleWithFixedDelay(() -> survive("stall check", this::checkStalls),
                STALL_CHECK_MILLIS, STALL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Runs one round of a periodic task; whatever it throws is logged, so the task is not cancelled. */
    private static void survive(String task, Runnable round) {
        try {
            round.run();
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, task + " round failed; the next round runs as scheduled", t);
        }
    }

    /** Runs on the scheduler thread only. */
    private void tick() {
        long now = System.nanoTime();
        int slot = (int) (ticks++ % slots);
        for (Client c : hub.clients()) {
            try {
                if (c.pongOverdue(now, pongTimeoutNanos)) {
                    c.close(Disconnect.NO_PONG);
                } else if (Math.floorMod(c.id().hashCode(), slots) == slot) {
                    c.ping(now);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "heartbeat failed for " + c + "; going on with the others", e);
            }
        }
    }

    private void checkStalls() {
        long now = System.nanoTime();
        long stall = STALL.toNanos();
        for (Client c : hub.clients()) {
            try {
                c.checkStalled(now, stall);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "stall check failed for " + c + "; going on with the others", e);
            }
        }
    }

    @Override
    public void close() {
        task.cancel(false);
        stallTask.cancel(false);
    }
}
