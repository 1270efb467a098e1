package dev.socketserver.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.RawWebSocket;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code MAX_CONNECTIONS}, the node-wide connection limit, driven to its bound through the real
 * WAR: a handshake over it is refused with 503 {@code limit_exceeded} and {@code Retry-After}
 * before any upgrade; one that passed the check but lost the race for the last slot is closed
 * with 4504; never more than the limit are registered, and a slot is free again once a
 * connection closes.
 */
class ConnectionLimitIT {
    private static final int LIMIT = 4;
    private static final String NODE_LIMIT = "this node is at its connection limit";
    static EmbeddedJetty server;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> s = EmbeddedJetty.defaults();
        s.put("MAX_CONNECTIONS", String.valueOf(LIMIT));
        server = EmbeddedJetty.start(s);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static String path(String user) {
        return "/ws?t=" + Tokens.forUser(user);
    }

    /** Whether an upgraded connection is registered (answers a ping); false if closed with 4504. */
    private static boolean registered(RawWebSocket s) throws IOException {
        s.sendText("{\"id\":1,\"action\":\"ping\"}");
        RawWebSocket.Frame f = s.nextTextOrClose();
        assertNotNull(f, "neither a reply nor a close");
        if (f.opcode() == RawWebSocket.CLOSE) {
            assertEquals(4504, f.closeCode(), "an upgraded connection over the limit is closed with 4504");
            return false;
        }
        assertTrue(f.text().startsWith("{\"id\":1,\"ok\":true"), f.text());
        return true;
    }

    private static void assertRefusedForTheNodeLimit(RawWebSocket s) throws IOException {
        assertEquals(503, s.status());
        assertNotNull(s.responseHeader("Retry-After"), "Retry-After on a 503");
        String body = s.responseBody();
        assertTrue(body.contains("\"limit_exceeded\"") && body.contains(NODE_LIMIT), body);
    }

    @Test
    void racingHandshakesOfDistinctUsersFillTheNodeExactlyThenA503UntilOneCloses() throws Exception {
        int handshakes = LIMIT * 4;
        ExecutorService pool = Executors.newFixedThreadPool(handshakes);
        List<RawWebSocket> sockets = new ArrayList<>();
        List<RawWebSocket> open = new ArrayList<>();
        try {
            // Distinct users: only the node-wide limit applies (MAX_CONNECTIONS_PER_USER is 100).
            CountDownLatch go = new CountDownLatch(1);
            List<Future<RawWebSocket>> attempts = new ArrayList<>();
            for (int i = 0; i < handshakes; i++) {
                String user = "limit-" + i + "-" + UUID.randomUUID();
                attempts.add(pool.submit(() -> {
                    go.await();
                    return RawWebSocket.connect(server.port(), path(user), Map.of());
                }));
            }
            go.countDown();
            for (Future<RawWebSocket> f : attempts) {
                sockets.add(f.get(60, TimeUnit.SECONDS));
            }
            int refused = 0;
            int closed4504 = 0;
            for (RawWebSocket s : sockets) {
                if (s.status() != 101) {
                    assertRefusedForTheNodeLimit(s);
                    refused++;
                } else if (registered(s)) {
                    open.add(s);
                } else {
                    closed4504++;
                }
            }
            assertEquals(LIMIT, open.size(), "registered connections (" + refused + " refused with 503, "
                    + closed4504 + " closed with 4504)");

            // Full: the next handshake is refused before the upgrade; the registered ones still answer.
            try (RawWebSocket over = RawWebSocket.connect(server.port(), path("over-" + UUID.randomUUID()), Map.of())) {
                assertRefusedForTheNodeLimit(over);
            }
            for (RawWebSocket s : open) {
                assertTrue(registered(s), "a connection within the limit stays registered");
            }

            // A closed connection frees its slot (the close is processed asynchronously).
            open.remove(0).close();
            String next = Tokens.forUser("next-" + UUID.randomUUID());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> WsClient.handshakeStatus(server.wsUrl(next), Map.of()) == 101);
        } finally {
            for (RawWebSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    // already gone
                }
            }
            pool.shutdownNow();
        }
    }
}
