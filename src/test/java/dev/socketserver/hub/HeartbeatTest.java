package dev.socketserver.hub;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.socketserver.message.Frame;
import dev.socketserver.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The heartbeat's periodic task outlives a client whose transport throws. */
class HeartbeatTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** Counts pings, or throws from every ping. */
    private static class PingTransport implements Transport {
        final AtomicInteger pings = new AtomicInteger();
        final boolean throwing;

        PingTransport(boolean throwing) {
            this.throwing = throwing;
        }

        @Override
        public void write(List<Frame> frames, Consumer<Throwable> done) {
            done.accept(null);
        }

        @Override
        public void ping() {
            pings.incrementAndGet();
            if (throwing) {
                throw new IllegalStateException("transport broke while pinging");
            }
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    /** Throws an {@link Error} (not caught per client) from its first pings, then pings normally. */
    private static final class ErrorThenPingTransport extends PingTransport {
        final int errors;

        ErrorThenPingTransport(int errors) {
            super(false);
            this.errors = errors;
        }

        @Override
        public void ping() {
            if (pings.incrementAndGet() <= errors) {
                throw new LinkageError("heartbeat test: an error escapes the round");
            }
        }
    }

    @Test
    void anErrorThatEndsARoundIsLoggedAndTheNextRoundsStillPing() {
        Hub hub = new Hub(Runnable::run, Backlog.unbounded());
        ErrorThenPingTransport transport = new ErrorThenPingTransport(3);
        hub.add(hub.newClient("c", "u", transport, 1 << 20, (c, why) -> { }));
        try (LogCapture log = LogCapture.of(Heartbeat.class.getName());
             Heartbeat heartbeat = new Heartbeat(hub, Duration.ofMillis(100), Duration.ofHours(1), scheduler)) {
            // Before the fix the first Error cancelled the periodic task: no fourth ping, ever.
            await().atMost(Duration.ofSeconds(10)).until(() -> transport.pings.get() >= 6);
            assertEquals(3, log.messages(Level.SEVERE).stream()
                    .filter(m -> m.startsWith("heartbeat round failed")).count(), log.messages(Level.ALL).toString());
        }
    }

    @Test
    void aClientWhoseTransportThrowsDoesNotStopThePingsOfTheOthers() {
        Hub hub = new Hub(Runnable::run, Backlog.unbounded());
        PingTransport broken = new PingTransport(true);
        PingTransport healthy = new PingTransport(false);
        // Several of each, so that whatever the iteration order, a broken one comes before a healthy one.
        for (int i = 0; i < 4; i++) {
            hub.add(hub.newClient("broken-" + i, "u", broken, 1 << 20, (c, why) -> { }));
            hub.add(hub.newClient("healthy-" + i, "u", healthy, 1 << 20, (c, why) -> { }));
        }
        try (Heartbeat heartbeat = new Heartbeat(hub, Duration.ofMillis(100), Duration.ofHours(1), scheduler)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> broken.pings.get() >= 1);
            int healthyAfterFirstThrow = healthy.pings.get();
            // Every healthy client is due once per 100 ms interval: 8 more pings need several rounds.
            await().atMost(Duration.ofSeconds(10)).until(() -> healthy.pings.get() >= healthyAfterFirstThrow + 8
                    && broken.pings.get() >= 8);
        }
    }
}
