package dev.socketserver.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import jakarta.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A scenario for any server: while notifications go to a room, many other sessions of the same
 * room open and close (half with a close handshake, half by dropping the socket), so that their
 * closes run in the middle of deliveries; every session that stays must receive every
 * notification, in order. Jetty closes a session's resources (e.g. its codec registries) when
 * it closes; nothing a session shares with others may break them.
 */
public final class SessionChurn {
    private SessionChurn() {
    }

    /**
     * Runs the scenario and asserts its outcome.
     *
     * @param wsUrl     a WebSocket URL for a token
     * @param survivors sessions that stay open and must get everything
     * @param churners  sessions that open, enter, and close while publishing goes on
     * @param atLeast   notifications published at least (more while churning continues)
     */
    public static void run(UnaryOperator<String> wsUrl, GrpcClient grpc, int survivors, int churners, int atLeast)
            throws Exception {
        String room = "churn-" + UUID.randomUUID();
        List<WsClient> stay = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < survivors; i++) {
                WsClient c = WsClient.connect(wsUrl.apply(Tokens.forUser("stay-" + i))).ready();
                assertTrue(c.enter(room).getBoolean("ok"));
                stay.add(c);
            }
            AtomicInteger churned = new AtomicInteger();
            List<Future<?>> churn = new ArrayList<>();
            for (int i = 0; i < churners; i++) {
                int n = i;
                churn.add(pool.submit(() -> {
                    churnOnce(wsUrl, room, n);
                    churned.incrementAndGet();
                    return null;
                }));
            }
            int published = 0;
            while (published < atLeast || churn.stream().anyMatch(f -> !f.isDone())) {
                grpc.stub().notifyRoom(MessageWithRoom.newBuilder()
                        .setBase(GrpcClient.info("c" + published, "churn")).setRoom(room).build());
                published++;
            }
            for (Future<?> f : churn) {
                f.get(60, TimeUnit.SECONDS); // a churner's failure fails the test
            }
            assertEquals(churners, churned.get());
            for (WsClient c : stay) {
                for (int i = 0; i < published; i++) {
                    JsonObject n = c.nextJson(o -> o.containsKey("entityId"));
                    assertEquals("c" + i, n.getString("entityId"), "a survivor lost or reordered a notification");
                }
            }
        } finally {
            pool.shutdownNow();
            stay.forEach(WsClient::close);
        }
    }

    private static void churnOnce(UnaryOperator<String> wsUrl, String room, int n) throws Exception {
        String url = wsUrl.apply(Tokens.forUser("churn-" + n));
        if (n % 2 == 0) {
            try (WsClient c = WsClient.connect(url)) {
                assertTrue(c.enter(room).getBoolean("ok"));
            }
            return;
        }
        URI u = URI.create(url);
        try (RawWebSocket raw = RawWebSocket.connect(u.getPort(), u.getRawPath() + "?" + u.getRawQuery(), Map.of())) {
            assertEquals(101, raw.status());
            raw.sendText("{\"id\":1,\"action\":\"enter\",\"room\":\"" + room + "\"}");
            // Its reply (or a notification first) proves the session is open and in the room.
            RawWebSocket.Frame first = raw.nextTextOrClose();
            assertTrue(first != null && first.opcode() == RawWebSocket.TEXT, "no reply to enter: " + first);
        } // dropped without a close frame
    }
}
