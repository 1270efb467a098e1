package dev.socketserver.bench;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.awaitility.core.ConditionTimeoutException;

/** The load generator's bounded waits on state (Awaitility polls; nothing sleeps blindly). */
final class Waits {
    private Waits() {
    }

    /**
     * Polls every {@code every} until {@code done}, or until {@code progress} has not moved for
     * {@code stuck}; at most {@code atMost}.
     *
     * @return true if done, false if progress stopped
     * @throws ConditionTimeoutException after {@code atMost}
     */
    static boolean untilDoneOrStuck(BooleanSupplier done, LongSupplier progress, Duration stuck, Duration every,
                                    Duration atMost) {
        long[] last = {Long.MIN_VALUE, System.nanoTime()};
        boolean[] finished = {false};
        await().pollDelay(Duration.ZERO).pollInterval(every).atMost(atMost).until(() -> {
            if (done.getAsBoolean()) {
                finished[0] = true;
                return true;
            }
            long p = progress.getAsLong();
            if (p != last[0]) {
                last[0] = p;
                last[1] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - last[1] > stuck.toNanos();
        });
        return finished[0];
    }

    /**
     * Waits at least {@code min}, then until {@code reading} changes by at most {@code tolerance}
     * between two polls {@code every} apart (the quantity has settled); gives up quietly after
     * {@code min} plus {@code atMostMore}.
     */
    static void untilSteady(LongSupplier reading, long tolerance, Duration min, Duration every, Duration atMostMore) {
        long[] last = {reading.getAsLong()};
        try {
            await().pollDelay(min).pollInterval(every).atMost(min.plus(atMostMore)).until(() -> {
                long now = reading.getAsLong();
                boolean steady = Math.abs(now - last[0]) <= tolerance;
                last[0] = now;
                return steady;
            });
        } catch (ConditionTimeoutException e) {
            Bench.log("not steady after " + min.plus(atMostMore).toMillis() + " ms; reading anyway");
        }
    }
}
