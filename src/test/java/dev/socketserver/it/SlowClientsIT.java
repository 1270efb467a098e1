package dev.socketserver.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HttpApi;
import dev.socketserver.testing.LatencyProbes;
import dev.socketserver.testing.SlowRequests;
import dev.socketserver.testing.SlowRequests.Answer;
import dev.socketserver.testing.SlowRequests.Slow;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.InfoRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 1, through the real WAR in embedded Jetty with the dev launcher's 32 worker
 * threads: twice that many clients dribbling request bodies (with and without an API key) and
 * as many dribbling WebSocket handshake headers cost no thread, so authenticated API calls,
 * WebSocket handshakes, gRPC calls and deliveries keep their latency; a body without a key is
 * refused from the headers (401), a body that is too slow gets 408 at {@code API_BODY_TIMEOUT},
 * a handshake head still incomplete at {@code HANDSHAKE_TIMEOUT} is cut off although every byte
 * restarts the idle timeout, requests beyond {@code API_MAX_IN_FLIGHT} get 503, and a chunked
 * body that grows past {@code MAX_PUBLISH_BYTES} gets 413. The stock containers' run is
 * {@code it.container.SlowClientsDistributionTest}.
 */
class SlowClientsIT {
    static final int WORKER_THREADS = 32;
    static final Duration BODY_TIMEOUT = Duration.ofSeconds(6);
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(3);
    static final int CLOSED = SlowRequests.CLOSED;
    static final Duration QUICK = Duration.ofSeconds(2);

    private EmbeddedJetty server;
    private SlowRequests slow;

    @AfterEach
    void stop() throws Exception {
        if (slow != null) {
            slow.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(Map<String, String> extra) throws Exception {
        Map<String, String> s = EmbeddedJetty.defaults();
        s.put("API_BODY_TIMEOUT", BODY_TIMEOUT.toMillis() + "ms");
        s.put("HANDSHAKE_TIMEOUT", HANDSHAKE_TIMEOUT.toSeconds() + "s");
        s.putAll(extra);
        server = EmbeddedJetty.start(s);
        QueuedThreadPool pool = (QueuedThreadPool) server.server().getThreadPool();
        pool.setMaxThreads(WORKER_THREADS);
        slow = new SlowRequests(server.port());
    }

    @Test
    void slowBodiesAndHandshakesCostNoThreadAndEndWith401Or408OrADeadline() throws Exception {
        start(Map.of());
        try (GrpcClient grpc = new GrpcClient(server.port());
             WsClient reader = WsClient.connect(server.wsUrl(Tokens.forUser("reader")))) {
            assertTrue(reader.enter("slow-clients").getBoolean("ok"));
            LatencyProbes probes = LatencyProbes.standard(server.port(), grpc, server::wsUrl, reader, "slow-clients");
            probes.rounds(2); // warm-up: class loading, JIT, connection pools
            Map<String, Double> baseline = probes.rounds(5);
            List<Slow> anonymous = new ArrayList<>();
            List<Slow> keyed = new ArrayList<>();
            List<Slow> handshakes = new ArrayList<>();
            for (int i = 0; i < 2 * WORKER_THREADS; i++) {
                anonymous.add(slow.body(null, 100));
                keyed.add(slow.body("Bearer " + GrpcClient.API_KEY, 100));
                handshakes.add(slow.handshake(Tokens.forUser("slow")));
            }
            // Every probe runs while all keyed slow bodies are still unanswered (they hold their
            // requests for BODY_TIMEOUT); each must keep the latency it had without them.
            Map<String, Double> loaded = probes.rounds(3);
            assertTrue(keyed.stream().noneMatch(s -> s.answer().isDone()), "the probes did not all run while the slow bodies were pending");
            LatencyProbes.assertKeptLatency(baseline, loaded, 4, Duration.ofMillis(1500),
                    "embedded Jetty, " + WORKER_THREADS + " workers, " + 2 * WORKER_THREADS + " x 3 slow clients");
            for (Slow s : anonymous) {
                Answer a = s.answer().get(QUICK.toSeconds(), TimeUnit.SECONDS);
                assertEquals(401, a.status());
                assertTrue(a.secondsAfter(s.headersSentNanos()) < QUICK.toSeconds(),
                        "401 took " + a.secondsAfter(s.headersSentNanos()) + " s");
                // They kept sending after the 401: the connection ends, the rest of the body unread.
                s.ended().get(QUICK.toSeconds(), TimeUnit.SECONDS);
            }
            // Each dribbled byte restarts the idle timeout; the head's deadline cuts it all the same.
            for (Slow s : handshakes) {
                Answer a = s.answer().get(HANDSHAKE_TIMEOUT.toSeconds() * 2 + 5, TimeUnit.SECONDS);
                assertEquals(CLOSED, a.status());
                double after = a.secondsAfter(s.headersSentNanos());
                assertTrue(after >= HANDSHAKE_TIMEOUT.toMillis() / 1000.0 - 0.1 && after < HANDSHAKE_TIMEOUT.toSeconds() * 1.5 + 1.5,
                        "head cut after " + after + " s");
            }
            for (Slow s : keyed) {
                Answer a = s.answer().get(BODY_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
                assertEquals(408, a.status());
                double after = a.secondsAfter(s.headersSentNanos());
                assertTrue(after >= BODY_TIMEOUT.toMillis() / 1000.0 - 0.1 && after < BODY_TIMEOUT.toSeconds() + 3,
                        "408 after " + after + " s");
            }
        }
    }

    @Test
    void requestsBeyondTheInFlightBoundGet503AndTheBoundIsGivenBack() throws Exception {
        int bound = 8;
        start(Map.of("API_MAX_IN_FLIGHT", String.valueOf(bound)));
        List<Slow> keyed = new ArrayList<>();
        for (int i = 0; i < bound; i++) {
            keyed.add(slow.body("Bearer " + GrpcClient.API_KEY, 100));
        }
        // The slow ones are in flight once their headers are in: wait for the bound to be reached.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> HttpApi.post(server.port(), "Info", "{}").status() == 503);
        HttpApi.Response refused = HttpApi.post(server.port(), "Info", "{}");
        assertEquals(503, refused.status());
        assertEquals("unavailable", refused.body().getJsonObject("error").getString("code"));
        for (Slow s : keyed) {
            assertEquals(408, s.answer().get(BODY_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS).status());
        }
        assertEquals(200, HttpApi.post(server.port(), "Info", "{}").status(), "permits not given back");
    }

    @Test
    void aDeclaredBodyOverTheLimitIsRefusedUnread() throws Exception {
        start(Map.of("MAX_PUBLISH_BYTES", "4KiB"));
        Slow big = slow.body("Bearer " + GrpcClient.API_KEY, 1 << 30);
        Answer a = big.answer().get(QUICK.toSeconds(), TimeUnit.SECONDS);
        assertEquals(413, a.status());
    }

    /**
     * A chunked body (no {@code Content-Length}, so nothing to refuse from the headers) that grows
     * past {@code MAX_PUBLISH_BYTES} gets 413 once it does, and its connection ends; twice the
     * worker threads of them, growing by a chunk a second, hold no thread meanwhile.
     */
    @Test
    void chunkedBodiesGrowingPastTheLimitGet413AndHoldNoThread() throws Exception {
        int limit = 4096;
        int chunk = 512;
        start(Map.of("MAX_PUBLISH_BYTES", String.valueOf(limit), "API_BODY_TIMEOUT", "60s"));
        List<Slow> chunked = new ArrayList<>();
        for (int i = 0; i < 2 * WORKER_THREADS; i++) {
            chunked.add(slow.chunkedBody("Bearer " + GrpcClient.API_KEY, chunk));
        }
        try (GrpcClient grpc = new GrpcClient(server.port())) {
            assertQuick("API call", () -> HttpApi.post(server.port(), "Info", "{}").status() == 200);
            assertQuick("gRPC call", () -> !grpc.stub().info(InfoRequest.getDefaultInstance()).getNodeId().isEmpty());
        }
        assertTrue(chunked.stream().noneMatch(s -> s.answer().isDone()), "a chunked body was answered before it passed the limit");
        // The chunk that passes the limit is the (limit / chunk + 1)th, sent once a second from the next tick on.
        double passesAfter = limit / chunk - 0.5;
        for (Slow s : chunked) {
            Answer a = s.answer().get(limit / chunk + 15, TimeUnit.SECONDS);
            assertEquals(413, a.status());
            assertTrue(a.secondsAfter(s.headersSentNanos()) >= passesAfter, "413 after " + a.secondsAfter(s.headersSentNanos()) + " s");
            s.ended().get(QUICK.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private void assertQuick(String what, Supplier<Boolean> call) {
        long start = System.nanoTime();
        assertTrue(call.get(), what + " failed");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < QUICK.toSeconds(), what + " took " + seconds + " s");
    }
}
