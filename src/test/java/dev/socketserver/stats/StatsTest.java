package dev.socketserver.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.socketserver.error.ErrorCode;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The counting seam: each call counts where it says, a disabled instance counts nothing, labels stay bounded. */
class StatsTest {

    @Test
    void eachCallCountsInItsOwnCell() {
        Stats s = Stats.create();
        s.written(3, 120);
        s.written(1, 8);
        s.handshake(101);
        s.handshake(401);
        s.handshake(418);
        s.command(Stats.Action.ENTER, null);
        s.command(Stats.Action.ENTER, ErrorCode.FORBIDDEN);
        s.errorFrame(ErrorCode.FORBIDDEN);
        s.closeSent(4002);
        s.closeSent(999);
        s.closeSent(5000);
        s.recovery(Stats.Recovery.NOT_RECOVERED);
        assertEquals(4, s.framesWritten());
        assertEquals(128, s.bytesWritten());
        assertEquals(1, s.handshakes(101));
        assertEquals(1, s.handshakes(401));
        assertEquals(0, s.handshakes(503));
        assertEquals(1, s.handshakes(-1), "418 is counted as other");
        assertEquals(1, s.commands(Stats.Action.ENTER, null));
        assertEquals(1, s.commands(Stats.Action.ENTER, ErrorCode.FORBIDDEN));
        assertEquals(0, s.commands(Stats.Action.LEAVE, null));
        assertEquals(1, s.errorFrames(ErrorCode.FORBIDDEN));
        assertEquals(1, s.closesSent(4002));
        assertEquals(0, s.closesSent(999));
        assertEquals(0, s.closesSent(5000));
        assertEquals(0, s.recoveries(Stats.Recovery.RECOVERED));
        assertEquals(1, s.recoveries(Stats.Recovery.NOT_RECOVERED));
    }

    @Test
    void publishLatencyFallsIntoItsBucketAndErrorsAreCounted() {
        Stats s = Stats.create();
        double[] bounds = Stats.publishLatencyBounds();
        s.brokerPublish(50_000, false);          // 50 µs: the first bucket (<= 100 µs)
        s.brokerPublish(1_000_000, false);       // exactly 1 ms: the 1 ms bucket (upper bound inclusive)
        s.brokerPublish(60_000_000_000L, true);  // 60 s: +Inf
        long[] counts = s.publishLatencyCounts();
        assertEquals(bounds.length + 1, counts.length);
        assertEquals(1, counts[0]);
        int oneMs = java.util.Arrays.binarySearch(bounds, 0.001);
        assertEquals(1, counts[oneMs]);
        assertEquals(1, counts[counts.length - 1]);
        assertEquals(3, java.util.Arrays.stream(counts).sum());
        assertEquals(60_001_050_000L, s.publishNanos());
        assertEquals(1, s.publishErrors());
    }

    @Test
    void aDisabledInstanceCountsNothing() {
        Stats s = Stats.disabled();
        s.written(3, 120);
        s.handshake(101);
        s.command(Stats.Action.PING, null);
        s.errorFrame(ErrorCode.INTERNAL);
        s.closeSent(1001);
        s.brokerPublish(1000, true);
        s.apiCall("grpc", "Publish", "OK");
        assertEquals(0, s.framesWritten());
        assertEquals(0, s.handshakes(101));
        assertEquals(0, s.commands(Stats.Action.PING, null));
        assertEquals(0, s.errorFrames(ErrorCode.INTERNAL));
        assertEquals(0, s.closesSent(1001));
        assertArrayEquals(new long[Stats.publishLatencyBounds().length + 1], s.publishLatencyCounts());
        assertEquals(Map.of(), s.apiCalls());
    }

    @Test
    void apiCallSeriesAreCappedSoABuggyCallerCannotGrowThemWithoutBound() {
        Stats s = Stats.create();
        for (int i = 0; i < 5000; i++) {
            s.apiCall("http", "m" + i, "200");
        }
        s.apiCall("http", "m0", "200");
        assertEquals(1024, s.apiCalls().size());
        assertEquals(2L, s.apiCalls().get(new Stats.ApiCall("http", "m0", "200")));
    }

    @Test
    void concurrentCountsAddUp() throws Exception {
        Stats s = Stats.create();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < 4; t++) {
            pool.execute(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 100_000; i++) {
                    s.written(1, 10);
                    s.closeSent(4002);
                }
            });
        }
        go.countDown();
        pool.shutdown();
        assertEquals(true, pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(400_000, s.framesWritten());
        assertEquals(4_000_000, s.bytesWritten());
        assertEquals(400_000, s.closesSent(4002));
    }
}
