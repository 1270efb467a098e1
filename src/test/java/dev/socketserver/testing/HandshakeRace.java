package dev.socketserver.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many handshakes of one user released at once (a latch), every upgraded connection kept open:
 * proves that {@code MAX_CONNECTIONS_PER_USER} holds exactly under concurrency, with 503 and
 * {@code Retry-After} before the upgrade for the rest and no upgraded connection closed at once.
 */
public final class HandshakeRace {
    private HandshakeRace() {
    }

    /** Runs the race against {@code port} and asserts its outcome; closes every connection it opened. */
    public static void assertExactLimit(int port, String user, int handshakes, int limit) throws Exception {
        String path = "/ws?t=" + Tokens.forUser(user);
        ExecutorService pool = Executors.newFixedThreadPool(handshakes);
        List<RawWebSocket> sockets = new ArrayList<>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<RawWebSocket>> attempts = new ArrayList<>();
            for (int i = 0; i < handshakes; i++) {
                attempts.add(pool.submit(() -> {
                    go.await();
                    return RawWebSocket.connect(port, path, Map.of());
                }));
            }
            go.countDown();
            for (Future<RawWebSocket> f : attempts) {
                sockets.add(f.get(60, TimeUnit.SECONDS));
            }
            List<RawWebSocket> upgraded = sockets.stream().filter(s -> s.status() == 101).toList();
            assertEquals(limit, upgraded.size(), "upgraded handshakes");
            for (RawWebSocket refused : sockets) {
                if (refused.status() != 101) {
                    assertEquals(503, refused.status());
                    assertNotNull(refused.responseHeader("Retry-After"), "Retry-After on a 503");
                }
            }
            // Every upgraded connection is registered and stays open (no 4504 after the upgrade).
            for (RawWebSocket s : upgraded) {
                s.sendText("{\"id\":1,\"action\":\"ping\"}");
                RawWebSocket.Frame f = s.read(Duration.ofSeconds(10));
                while (f != null && f.opcode() == RawWebSocket.PING) {
                    f = s.read(Duration.ofSeconds(10));
                }
                assertNotNull(f, "no reply to a ping");
                assertEquals(RawWebSocket.TEXT, f.opcode(), f.opcode() == RawWebSocket.CLOSE ? "closed " + f.closeCode() : "");
                assertTrue(f.text().startsWith("{\"id\":1,\"ok\":true"), f.text());
            }
        } finally {
            for (RawWebSocket s : sockets) {
                closeQuietly(s);
            }
            pool.shutdownNow();
        }
    }

    private static void closeQuietly(RawWebSocket s) {
        try {
            s.close();
        } catch (IOException | RuntimeException e) {
            // already gone
        }
    }
}
