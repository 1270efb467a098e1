package dev.socketserver.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The load generator's own arithmetic: frame parsing and the latency histogram (no server). */
class BenchParsingTest {
    private static ByteBuffer frame(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void classifiesFramesAndReadsTheEmbeddedTimestamp() {
        Stats stats = new Stats();
        ByteBuffer n = frame("{\"type\":\"info\",\"entityId\":\"42\",\"message\":\"1000000 xxx\",\"room\":\"bench\"}");
        assertEquals(Stats.NOTIFICATION, Stats.kind(n));
        assertEquals(Stats.REPLY_OK, Stats.kind(frame("{\"id\":1,\"ok\":true,\"room\":\"bench\"}")));
        assertEquals(Stats.REPLY_ERROR, Stats.kind(frame("{\"id\":1,\"error\":{\"code\":\"forbidden\"}}")));
        stats.notification(n, 3_000_000, false);
        stats.notification(frame("{\"type\":\"info\",\"entityId\":\"w1\",\"message\":\"5\"}"), 9, false);
        stats.notification(frame("{\"type\":\"info\",\"entityId\":\"7\",\"message\":{\"a\":1}}"), 9, false);
        Stats.Summary s = stats.summarize();
        assertEquals(1, s.received);
        assertEquals(1, stats.warmupReceived());
        assertEquals(1, s.unparsed);
        assertEquals(2000, s.latency.maxMicros()); // 3,000,000 - 1,000,000 ns
    }

    @Test
    void countsNotificationsOutOfStreamOrderPerConnection() {
        Stats stats = new Stats();
        ThreadStats t = stats.threadStats();
        BenchConnection a = new BenchConnection(null, false, null, null);
        BenchConnection b = new BenchConnection(null, false, null, null);
        // a: 1 (warm-up), 2, 4, 3 (late), 3 (again), 5; b: 2, 3 on its own; one frame without a position.
        long[][] byConnection = {{1, 2, 4, 3, 3, 5}, {2, 3}};
        BenchConnection[] connections = {a, b};
        for (int k = 0; k < 2; k++) {
            for (long offset : byConnection[k]) {
                String id = offset == 1 ? "w1" : String.valueOf(offset);
                stats.notification(t, connections[k], frame("{\"type\":\"info\",\"entityId\":\"" + id
                        + "\",\"message\":\"1000 x\",\"room\":\"bench\",\"offset\":" + offset + ",\"epoch\":\"e1\"}"), 2000, false);
            }
        }
        stats.notification(t, b, frame("{\"type\":\"info\",\"entityId\":\"9\",\"message\":\"1000\"}"), 2000, false);
        Stats.Summary s = stats.summarize();
        assertEquals(8, s.orderChecked);
        assertEquals(2, s.outOfOrder);
        assertEquals(5, a.lastOffset);
        assertEquals(3, b.lastOffset);
        assertEquals(8, s.received); // 7 measured with a position, 1 without; the warm-up one is not measured
    }

    @Test
    void histogramQuantilesStayWithinTwoPercent() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) {
            h.record(v);
        }
        assertEquals(100_000, h.total());
        assertEquals(100_000, h.maxMicros());
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            double expected = q * 100_000;
            assertTrue(Math.abs(h.quantile(q) - expected) / expected < 0.02, q + " -> " + h.quantile(q));
        }
        for (long v = 0; v < 5_000_000_000L; v = v * 3 + 1) {
            int i = LatencyHistogram.index(v);
            double mid = LatencyHistogram.valueOf(i);
            assertTrue(v < 128 ? mid == v : Math.abs(mid - v) / v < 0.02, v + " -> " + mid);
        }
    }

    @Test
    void severalNodesTakeOnePortAndOnePidEachAndThreadsInMultiplesOfThem() {
        BenchOptions o = BenchOptions.parse(new String[] {"--ws-ports", "3101,3102", "--node-pids", "11,12",
                "--client-threads", "4", "--redis-pid", "13"});
        assertEquals(java.util.List.of(3101, 3102), o.wsPorts);
        assertEquals(java.util.List.of(11L, 12L), o.nodePids);
        assertEquals(13L, o.redisPid);
        assertEquals(java.util.List.of(3003), BenchOptions.parse(new String[0]).wsPorts, "one node: --ws-port");
        assertEquals(java.util.List.of(9003), BenchOptions.parse(new String[0]).grpcPorts, "one node: --grpc-port");
        assertEquals(java.util.List.of(3103, 3105),
                BenchOptions.parse(new String[] {"--grpc-ports", "3103,3105"}).grpcPorts, "publishes spread over nodes");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(
                new String[] {"--ws-ports", "3101,3102", "--client-threads", "3"}));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(
                new String[] {"--ws-ports", "3101,3102", "--node-pids", "11"}));
    }
}
