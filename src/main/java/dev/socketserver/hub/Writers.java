package dev.socketserver.hub;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's writer pool: a fixed, small set of threads that start and continue clients'
 * writes. Writes never block (the transports are asynchronous), so one thread per core is
 * enough to keep every core busy with socket work, on 2 cores and 64 alike; there is no thread
 * per connection.
 */
public final class Writers {
    private Writers() {
    }

    /** Threads for {@code 0} (the default): one per available processor, at least 2. */
    private static int defaultThreads() {
        return Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    /** @param threads {@code 0} for {@link #defaultThreads()} */
    public static ExecutorService pool(int threads) {
        int n = threads > 0 ? threads : defaultThreads();
        AtomicInteger seq = new AtomicInteger();
        return new ThreadPoolExecutor(n, n, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "socket-server-writer-" + seq.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code task} on {@code writers}, or here once they are shut down (so shutdown finishes the work). */
    static void execute(Executor writers, Runnable task) {
        try {
            writers.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }
}
