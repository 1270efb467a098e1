package dev.socketserver.bench;

import dev.socketserver.stats.Stats;
import java.util.Arrays;

/**
 * What the counting on the write path costs by itself: {@link Stats#written} (once per batch a
 * client hands to its transport) called in a tight loop by {@code threads} threads sharing one
 * {@link Stats}, counting and disabled, alternated; prints the medians and ranges in ns per call.
 * docs/PERFORMANCE.md (Metrics cost) turns that into a bound per delivery.
 *
 * <pre>java -cp target/test-classes:target/classes dev.socketserver.bench.StatsCost [threads]</pre>
 */
public final class StatsCost {
    private static final int CALLS = 50_000_000;
    private static final int ROUNDS = 7;
    private static volatile long sink;

    private StatsCost() {
    }

    private static double nanosPerCall(Stats stats, int threads) throws InterruptedException {
        Thread[] running = new Thread[threads];
        long started = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            running[t] = new Thread(() -> {
                long x = 0;
                for (int i = 0; i < CALLS; i++) {
                    stats.written(1, 80);
                    x += i;
                }
                sink += x;
            });
            running[t].start();
        }
        for (Thread t : running) {
            t.join();
        }
        return (System.nanoTime() - started) / (double) CALLS;
    }

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        for (int warm = 0; warm < 3; warm++) {
            nanosPerCall(Stats.create(), threads);
            nanosPerCall(Stats.disabled(), threads);
        }
        double[] on = new double[ROUNDS];
        double[] off = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            on[r] = nanosPerCall(Stats.create(), threads);
            off[r] = nanosPerCall(Stats.disabled(), threads);
        }
        Arrays.sort(on);
        Arrays.sort(off);
        System.out.printf("threads=%d Stats.written per call: counting %.1f ns [%.1f-%.1f], disabled %.1f ns [%.1f-%.1f]%n",
                threads, on[ROUNDS / 2], on[0], on[ROUNDS - 1], off[ROUNDS / 2], off[0], off[ROUNDS - 1]);
    }
}
