package dev.socketserver.transport.websocket;

import java.util.function.LongSupplier;

/**
 * Token bucket for one connection's inbound frames: {@code CLIENT_COMMAND_RATE} per second,
 * bursts up to {@code CLIENT_COMMAND_BURST}. Room commands ({@code enter}, {@code leave}) first
 * draw from a reserve of their own, twice {@code MAX_ROOMS_PER_CONNECTION}, so a client can
 * enter every room it may be in at once (and later switch all of them), right after
 * connecting. The reserve is refilled only by what overflows the full bucket: every kind of
 * frame together never exceeds the configured rate for long.
 *
 * <p>A frame over the limit is answered with {@code too_many_requests}; when rejections keep
 * coming (as many as the burst, with no accepted frame in between) the connection is closed
 * as abusive. Not thread-safe: a container delivers one session's frames one at a time.
 */
final class CommandRateLimiter {
    /** What to do with a frame. */
    enum Verdict { ALLOW, REJECT, CLOSE }

    private final LongSupplier nanoClock;
    private final double ratePerNano;
    private final double burst;
    private final double reserveSize;
    private double tokens;
    private double reserve;
    private long last;
    private int rejectedInARow;

    CommandRateLimiter(double ratePerSecond, int burst, int maxRoomsPerConnection) {
        this(ratePerSecond, burst, maxRoomsPerConnection, System::nanoTime);
    }

    CommandRateLimiter(double ratePerSecond, int burst, int maxRoomsPerConnection, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.reserveSize = 2.0 * maxRoomsPerConnection;
        this.tokens = burst;
        this.reserve = reserveSize;
        this.last = nanoClock.getAsLong();
    }

    /** Charges one frame; {@code roomCommand} for {@code enter} and {@code leave}. */
    Verdict onFrame(boolean roomCommand) {
        long now = nanoClock.getAsLong();
        tokens += (now - last) * ratePerNano;
        last = now;
        if (tokens > burst) {
            reserve = Math.min(reserveSize, reserve + tokens - burst);
            tokens = burst;
        }
        if (roomCommand && reserve >= 1) {
            reserve -= 1;
        } else if (tokens >= 1) {
            tokens -= 1;
        } else {
            return ++rejectedInARow >= burst ? Verdict.CLOSE : Verdict.REJECT;
        }
        rejectedInARow = 0;
        return Verdict.ALLOW;
    }
}
