package dev.socketserver.it.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.LatencyProbes;
import dev.socketserver.testing.SlowRequests;
import dev.socketserver.testing.SlowRequests.Answer;
import dev.socketserver.testing.SlowRequests.Slow;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 1, in a stock container with its shipped configuration and its real worker
 * pool: twice as many clients as the pool has threads dribble request bodies without a key
 * (and keep dribbling after their 401), as many with a key, and as many dribble WebSocket
 * handshake heads; meanwhile authenticated API calls, WebSocket handshakes, gRPC {@code Info}
 * and deliveries to an open connection keep the latency they had without the load (measured
 * first, in the same test). A body without a key is answered 401 from its headers and its
 * connection closed unread (Tomcat would otherwise read the rest on a worker thread); a keyed
 * body still incomplete at {@code API_BODY_TIMEOUT} gets 408.
 */
abstract class SlowClientsDistributionTest extends StockContainerTest {
    static final Duration BODY_TIMEOUT = Duration.ofSeconds(20);
    /** Rounds of each probe, with and without the load. */
    static final int ROUNDS = 5;
    /** Under load, a probe may take this many times its slowest time without the load, plus {@link #SLACK}. */
    static final double FACTOR = 4;
    static final Duration SLACK = Duration.ofMillis(1500);
    /** How soon an answer decided from the headers must come (and the connection end) under the load. */
    static final Duration QUICK = Duration.ofSeconds(5);

    /** The container's request worker threads in the shipped configuration (read from the running server or its files). */
    abstract int workerThreads() throws Exception;

    @Override
    DistributionServer newServer() {
        return newContainer().withSetting("API_BODY_TIMEOUT", BODY_TIMEOUT.toSeconds() + "s");
    }

    abstract DistributionServer newContainer();

    @Test
    void slowBodiesAndHandshakesOfTwiceTheWorkerThreadsCostNoThread() throws Exception {
        int workers = workerThreads();
        int n = 2 * workers;
        String room = "slow-clients";
        try (WsClient reader = WsClient.connect(server.wsUrl(Tokens.forUser("reader"))).ready();
             SlowRequests slow = new SlowRequests(server.httpPort())) {
            assertTrue(reader.enter(room).getBoolean("ok"));
            LatencyProbes probes = LatencyProbes.standard(server.httpPort(), grpc, server::wsUrl, reader, room);
            probes.rounds(2); // warm-up: class loading, JIT, connection pools
            Map<String, Double> baseline = probes.rounds(ROUNDS);

            List<Slow> anonymous = new ArrayList<>();
            List<Slow> keyed = new ArrayList<>();
            List<Slow> handshakes = new ArrayList<>();
            List<Slow> elsewhere = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                anonymous.add(slow.body(null, 1000));
                // Bodies where the app takes none: a probe, a handshake, a static path.
                String[][] others = {{"POST", "/health/live"}, {"GET", "/ws?t=" + Tokens.forUser("body")}, {"POST", "/index.html"}};
                elsewhere.add(slow.request(others[i % 3][0], others[i % 3][1], 1000));
                keyed.add(slow.body("Bearer " + GrpcClient.API_KEY, 1000));
                handshakes.add(slow.handshake(Tokens.forUser("slow")));
            }
            long opened = System.nanoTime();
            Map<String, Double> loaded = probes.rounds(ROUNDS);
            double probing = (System.nanoTime() - opened) / 1e9;
            assertTrue(keyed.stream().noneMatch(s -> s.answer().isDone()),
                    "keyed slow bodies were answered before the probes ended (" + probing + " s)");
            assertTrue(handshakes.stream().noneMatch(s -> s.answer().isDone()),
                    "a slow handshake was answered or cut while the probes ran");
            LatencyProbes.assertKeptLatency(baseline, loaded, FACTOR, SLACK,
                    server.name() + ", " + workers + " workers, " + n + " x 4 slow clients");

            for (Slow s : anonymous) {
                Answer a = s.answer().get(QUICK.toSeconds(), TimeUnit.SECONDS);
                assertEquals(401, a.status());
                assertTrue(a.secondsAfter(s.headersSentNanos()) < QUICK.toSeconds(),
                        "401 took " + a.secondsAfter(s.headersSentNanos()) + " s");
                // They keep sending: a container reading the rest would keep the connection (and a thread).
                s.ended().get(QUICK.toSeconds(), TimeUnit.SECONDS);
                assertTrue(s.secondsToEnd() < QUICK.toSeconds(), "connection kept " + s.secondsToEnd() + " s after a 401");
            }
            for (Slow s : elsewhere) {
                Answer a = s.answer().get(QUICK.toSeconds(), TimeUnit.SECONDS);
                assertEquals(400, a.status());
                s.ended().get(QUICK.toSeconds(), TimeUnit.SECONDS);
                assertTrue(s.secondsToEnd() < QUICK.toSeconds(), "connection kept " + s.secondsToEnd() + " s after a 400");
            }
            for (Slow s : keyed) {
                Answer a = s.answer().get(BODY_TIMEOUT.toSeconds() + 15, TimeUnit.SECONDS);
                assertEquals(408, a.status());
                double after = a.secondsAfter(s.headersSentNanos());
                assertTrue(after >= BODY_TIMEOUT.toMillis() / 1000.0 - 0.1 && after < BODY_TIMEOUT.toSeconds() + 10,
                        "408 after " + after + " s");
            }
            // The slow handshakes cost a socket each (docs/SECURITY.md, "Slow request heads in the
            // containers"), no thread: the probes above ran beside them.
            assertFalse(handshakes.stream().anyMatch(s -> s.answer().isDone() && s.answer().join().status() > 0),
                    "a slow handshake was answered with a status");
        }
    }
}
