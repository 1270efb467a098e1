package dev.socketserver.transport.websocket;

import static dev.socketserver.transport.websocket.CommandRateLimiter.Verdict.ALLOW;
import static dev.socketserver.transport.websocket.CommandRateLimiter.Verdict.CLOSE;
import static dev.socketserver.transport.websocket.CommandRateLimiter.Verdict.REJECT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CommandRateLimiterTest {
    private static final long SECOND = 1_000_000_000L;
    private long now = 42;
    /** 10 frames per second, bursts of 5, rooms reserve 2 x 3. */
    private final CommandRateLimiter limiter = new CommandRateLimiter(10, 5, 3, () -> now);

    @Test
    void roomCommandsUseTheirReserveFirstThenTheBucket() {
        for (int i = 0; i < 6; i++) {
            assertEquals(ALLOW, limiter.onFrame(true), "reserve " + i);
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(ALLOW, limiter.onFrame(i % 2 == 0), "bucket " + i);
        }
        assertEquals(REJECT, limiter.onFrame(true));
        assertEquals(REJECT, limiter.onFrame(false));
    }

    @Test
    void otherFramesNeverTouchTheReserve() {
        for (int i = 0; i < 5; i++) {
            assertEquals(ALLOW, limiter.onFrame(false));
        }
        assertEquals(REJECT, limiter.onFrame(false));
        assertEquals(ALLOW, limiter.onFrame(true), "the reserve is still there for rooms");
    }

    @Test
    void floodingClosesAfterAsManyRejectionsInARowAsTheBurst() {
        for (int i = 0; i < 11; i++) {
            assertEquals(ALLOW, limiter.onFrame(true));
        }
        for (int i = 1; i < 5; i++) {
            assertEquals(REJECT, limiter.onFrame(true), "rejection " + i);
        }
        assertEquals(CLOSE, limiter.onFrame(true));
    }

    @Test
    void theReserveRefillsOnlyFromWhatOverflowsTheFullBucket() {
        for (int i = 0; i < 11; i++) {
            assertEquals(ALLOW, limiter.onFrame(true));
        }
        now += SECOND / 2; // 5 tokens: the bucket is full again, nothing left over for the reserve
        for (int i = 0; i < 5; i++) {
            assertEquals(ALLOW, limiter.onFrame(true));
        }
        assertEquals(REJECT, limiter.onFrame(true));
        now += SECOND; // 10 tokens: 5 fill the bucket, 5 go to the reserve
        for (int i = 0; i < 10; i++) {
            assertEquals(ALLOW, limiter.onFrame(true), "after refill " + i);
        }
        assertEquals(REJECT, limiter.onFrame(true));
        now += 60 * SECOND; // both full again, never more than their sizes
        for (int i = 0; i < 11; i++) {
            assertEquals(ALLOW, limiter.onFrame(true));
        }
        assertEquals(REJECT, limiter.onFrame(true));
    }

    @Test
    void sustainedRateOfAllFramesTogetherIsTheConfiguredRate() {
        for (int i = 0; i < 11; i++) {
            limiter.onFrame(true);
        }
        int allowed = 0;
        for (int tick = 0; tick < 1000; tick++) { // 10 s in 10 ms steps, trying 2 frames of each kind
            now += SECOND / 100;
            for (boolean room : new boolean[] {true, false, true, false}) {
                if (limiter.onFrame(room) == ALLOW) {
                    allowed++;
                }
            }
        }
        assertEquals(100, allowed, 1);
    }
}
