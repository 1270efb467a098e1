package dev.socketserver.bench;

import dev.socketserver.testing.Tokens;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The benchmark's WebSocket connections: a raw NIO client on {@code --client-threads} selector
 * threads ({@link ClientThread}), no thread per connection. Connection i is bound to source
 * address 127.0.0.(1 + i mod N) ({@code --sources}), so C can exceed one address's ephemeral
 * ports, and is served by thread i mod T.
 */
final class ClientFleet implements AutoCloseable {
    private static final Duration HANDSHAKE_PENDING = Duration.ofSeconds(30);

    private final BenchOptions opts;
    private final Stats stats;
    private final ClientThread[] threads;
    private final InetSocketAddress[] sources;
    private final Semaphore permits;
    private final CountDownLatch stalledClosed;
    private final List<BenchConnection> stalled = new ArrayList<>();
    private final boolean subscribe;
    /** Handshakes that neither completed nor failed (see {@link #connectAll}). */
    long pending;

    ClientFleet(BenchOptions opts, Stats stats) throws IOException {
        this.opts = opts;
        this.stats = stats;
        this.permits = new Semaphore(opts.connectConcurrency);
        this.stalledClosed = new CountDownLatch(opts.stall);
        this.subscribe = opts.mode == BenchOptions.Mode.ROOM;
        byte[] enter = subscribe
                ? ("{\"id\":1,\"action\":\"enter\",\"room\":\"" + opts.room + "\"}").getBytes(StandardCharsets.UTF_8)
                : null;
        ClientThread.warmUp(500_000);
        sources = new InetSocketAddress[opts.sources];
        for (int i = 0; i < sources.length; i++) {
            sources[i] = new InetSocketAddress("127.0.0." + (i + 1), 0);
        }
        threads = new ClientThread[opts.clientThreads];
        for (int i = 0; i < threads.length; i++) {
            // Thread i serves node i mod N, so connection i (on thread i mod T) is on node i mod N.
            InetSocketAddress server = new InetSocketAddress(opts.host, opts.wsPorts.get(i % opts.wsPorts.size()));
            threads[i] = new ClientThread("bench-ws-" + i, stats, server, opts.stallRcvBuf, enter, permits, stalledClosed);
            threads[i].start();
        }
    }

    /** Connects every connection (a bounded number of handshakes in flight) and subscribes them. */
    void connectAll() throws Exception {
        Date exp = Date.from(Instant.now().plusSeconds(24 * 3600));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(opts.connectTimeoutS);
        String path = "/ws?" + opts.tokenKey + "=";
        for (int i = 0; i < opts.connections; i++) {
            if (!permits.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("connecting timed out after " + i + " connections");
            }
            String user = Bench.userId(i);
            String token = Tokens.hs256(opts.secret, c -> c.subject(user).expirationTime(exp));
            String key = Handshake.newKey();
            ClientThread t = threads[i % threads.length];
            byte[] request = Handshake.request(opts.host, opts.wsPorts.get(i % threads.length % opts.wsPorts.size()),
                    path + URLEncoder.encode(token, StandardCharsets.US_ASCII), key);
            BenchConnection c = new BenchConnection(t, i < opts.stall, request, key);
            c.permitHeld = true;
            if (c.stalled) {
                stalled.add(c);
            }
            InetSocketAddress source = sources[i % sources.length];
            t.submit(() -> t.connect(c, source));
            if ((i + 1) % 5000 == 0) {
                Bench.log("handshakes started: " + (i + 1) + ", open: " + stats.opened.sum()
                        + ", failed: " + stats.handshakeFailed.sum());
            }
        }
        // Every handshake finished, and (room mode) every open connection got its enter reply.
        // A handshake stuck in the server's accept queue (e.g. the server is out of file
        // descriptors) never answers: after 30 s without progress it counts as pending.
        boolean done;
        try {
            done = Waits.untilDoneOrStuck(this::allConnected,
                    () -> stats.opened.sum() + stats.handshakeFailed.sum() + stats.acked.sum(),
                    HANDSHAKE_PENDING, Duration.ofMillis(50),
                    Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("connecting timed out: open " + stats.opened.sum() + ", failed "
                    + stats.handshakeFailed.sum() + ", subscribed " + stats.acked.sum());
        }
        if (!done) {
            pending = opts.connections - (stats.opened.sum() + stats.handshakeFailed.sum());
            Bench.log("giving up on " + pending + " handshakes (no progress for 30 s)");
        }
    }

    /** Every handshake finished and, in room mode, every open connection got its enter reply. */
    private boolean allConnected() {
        long open = stats.opened.sum();
        boolean subscribed = !subscribe || stats.acked.sum() + stats.enterFailed.sum() >= open;
        return open + stats.handshakeFailed.sum() >= opts.connections && subscribed;
    }

    void resumeStalled() {
        for (BenchConnection c : stalled) {
            c.thread.submit(() -> c.thread.resume(c));
        }
    }

    /** Waits (bounded) for every stalled connection to be closed by the server. */
    void awaitStalledClosed(long timeoutMs) throws InterruptedException {
        stalledClosed.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        stats.closing = true;
        for (ClientThread t : threads) {
            t.stop();
        }
    }
}
