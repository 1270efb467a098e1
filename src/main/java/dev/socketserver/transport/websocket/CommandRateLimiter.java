package dev.socketserver.transport.websocket;

/**
 * Token bucket for one connection's inbound frames ({@code CLIENT_COMMAND_RATE} per second,
 * bursts up to {@code CLIENT_COMMAND_BURST}). A frame over the limit is answered with
 * {@code too_many_requests}; when rejections keep coming (as many as the burst, with no
 * accepted frame in between) the connection is closed as abusive. Not thread-safe: a
 * container delivers one session's frames one at a time.
 */
final class CommandRateLimiter {
    /** What to do with a frame. */
    enum Verdict { ALLOW, REJECT, CLOSE }

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long last;
    private int rejectedInARow;

    CommandRateLimiter(double ratePerSecond, int burst) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.last = System.nanoTime();
    }

    Verdict onFrame() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - last) * ratePerNano);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            rejectedInARow = 0;
            return Verdict.ALLOW;
        }
        return ++rejectedInARow >= burst ? Verdict.CLOSE : Verdict.REJECT;
    }
}
