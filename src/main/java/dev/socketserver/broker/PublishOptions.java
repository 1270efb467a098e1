package dev.socketserver.broker;

import java.time.Duration;

/**
 * How one publication is kept.
 *
 * @param historySize    publications the stream retains (0: no history, no position)
 * @param historyTtl     how long each retained publication lives
 * @param idempotencyKey when not {@code null}, a second publish with the same key to the same
 *                       stream within {@code idempotencyWindow} is not delivered again and gets
 *                       the first one's result
 * @param idempotencyWindow how long keys are remembered
 */
public record PublishOptions(int historySize, Duration historyTtl, String idempotencyKey,
                             Duration idempotencyWindow) {

    public static PublishOptions noHistory() {
        return new PublishOptions(0, Duration.ZERO, null, Duration.ZERO);
    }

    public boolean keepsHistory() {
        return historySize > 0 && !historyTtl.isZero();
    }
}
