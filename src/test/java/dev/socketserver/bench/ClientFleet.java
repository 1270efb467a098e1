package dev.socketserver.bench;

import dev.socketserver.testing.Tokens;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * The benchmark's WebSocket connections: one Jetty {@link WebSocketClient} (over its own
 * {@link HttpClient}) per source address 127.0.0.1..127.0.0.N, so C can exceed one address's
 * ephemeral ports; all share one small thread pool, scheduler and buffer pool. Stalled
 * connections get their own client with a small receive buffer.
 */
final class ClientFleet implements AutoCloseable {
    private final BenchOptions opts;
    private final Stats stats;
    private final QueuedThreadPool pool;
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("bench-ws-timer", true);
    private final ArrayByteBufferPool buffers = new ArrayByteBufferPool();
    private final List<WebSocketClient> clients = new ArrayList<>();
    private WebSocketClient stallClient;
    final List<BenchSocket> sockets = new ArrayList<>();
    /** Handshakes that neither completed nor failed (see {@link #connectAll}). */
    long pending;

    ClientFleet(BenchOptions opts, Stats stats) throws Exception {
        this.opts = opts;
        this.stats = stats;
        int selectors = opts.sources * opts.selectors + (opts.stall > 0 ? 1 : 0);
        pool = new QueuedThreadPool(selectors + 6, Math.min(selectors + 2, 8));
        pool.setName("bench-ws");
        pool.setDaemon(true);
        pool.start();
        scheduler.start();
        for (int i = 1; i <= opts.sources; i++) {
            clients.add(newClient("127.0.0." + i, opts.selectors, 0));
        }
        if (opts.stall > 0) {
            stallClient = newClient("127.0.0.1", 1, opts.stallRcvBuf);
        }
    }

    private WebSocketClient newClient(String bindAddress, int selectors, int receiveBuffer) throws Exception {
        ClientConnector connector = new ClientConnector();
        connector.setSelectors(selectors);
        connector.setExecutor(pool);
        connector.setScheduler(scheduler);
        connector.setByteBufferPool(buffers);
        connector.setBindAddress(new InetSocketAddress(bindAddress, 0));
        connector.setConnectTimeout(Duration.ofSeconds(30));
        connector.setTCPNoDelay(true);
        if (receiveBuffer > 0) {
            connector.setReceiveBufferSize(receiveBuffer);
        }
        HttpClient http = new HttpClient(new HttpClientTransportOverHTTP(connector));
        http.setExecutor(pool);
        http.setScheduler(scheduler);
        http.setByteBufferPool(buffers);
        http.setMaxConnectionsPerDestination(Math.max(64, opts.connectConcurrency * 2));
        http.setMaxRequestsQueuedPerDestination(opts.connections + 1024);
        http.setIdleTimeout(Duration.ofMinutes(30).toMillis());
        http.setUserAgentField(null);
        http.start();
        WebSocketClient ws = new WebSocketClient(http);
        ws.setIdleTimeout(Duration.ofMinutes(30));
        ws.setMaxTextMessageSize(1 << 20);
        // Whole frames only: BenchSocket parses each notification from one frame's payload.
        ws.setAutoFragment(false);
        ws.setMaxFrameSize(1 << 20);
        ws.start();
        return ws;
    }

    /** Connects every connection (a bounded number of handshakes in flight) and subscribes them. */
    void connectAll() throws Exception {
        String enter = opts.mode == BenchOptions.Mode.ROOM
                ? "{\"id\":1,\"action\":\"enter\",\"room\":\"" + opts.room + "\"}" : null;
        Semaphore permits = new Semaphore(opts.connectConcurrency);
        Date exp = Date.from(Instant.now().plusSeconds(24 * 3600));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(opts.connectTimeoutS);
        String base = "ws://" + opts.host + ":" + opts.wsPort + "/ws?" + opts.tokenKey + "=";
        for (int i = 0; i < opts.connections; i++) {
            if (!permits.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("connecting timed out after " + i + " connections");
            }
            boolean stalled = i < opts.stall;
            String user = Bench.userId(i);
            String token = Tokens.hs256(opts.secret, c -> c.subject(user).expirationTime(exp));
            BenchSocket socket = new BenchSocket(stats, stalled, enter);
            sockets.add(socket);
            WebSocketClient client = stalled ? stallClient : clients.get(i % clients.size());
            URI uri = URI.create(base + URLEncoder.encode(token, StandardCharsets.US_ASCII));
            try {
                client.connect(socket, uri).whenComplete((s, err) -> {
                    permits.release();
                    if (err != null) {
                        stats.handshakeFailed(err);
                        socket.closed.complete(-2);
                    }
                });
            } catch (Exception e) {
                permits.release();
                stats.handshakeFailed(e);
                socket.closed.complete(-2);
            }
            if ((i + 1) % 5000 == 0) {
                Bench.log("handshakes started: " + (i + 1) + ", open: " + stats.opened.sum()
                        + ", failed: " + stats.handshakeFailed.sum());
            }
        }
        // Every handshake finished, and (room mode) every open connection got its enter reply.
        // A handshake stuck in the server's accept queue (e.g. the server is out of file
        // descriptors) never answers: after 30 s without progress it counts as pending.
        long lastDone = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            long open = stats.opened.sum();
            long done = open + stats.handshakeFailed.sum();
            boolean subscribed = enter == null || stats.acked.sum() + stats.enterFailed.sum() >= open;
            if (done >= opts.connections && subscribed) {
                return;
            }
            long progress = done + stats.acked.sum();
            if (progress != lastDone) {
                lastDone = progress;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(30)) {
                pending = opts.connections - done;
                Bench.log("giving up on " + pending + " handshakes (no progress for 30 s)");
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("connecting timed out: open " + open + ", failed "
                        + stats.handshakeFailed.sum() + ", subscribed " + stats.acked.sum());
            }
            Thread.sleep(50);
        }
    }

    void resumeStalled() {
        for (BenchSocket s : sockets) {
            if (s.stalled()) {
                s.resume();
            }
        }
    }

    /** Waits (bounded) for every stalled connection to be closed by the server. */
    void awaitStalledClosed(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (BenchSocket s : sockets) {
            if (!s.stalled()) {
                continue;
            }
            long left = deadline - System.nanoTime();
            try {
                s.closed.get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        stats.closing = true;
        for (BenchSocket s : sockets) {
            try {
                s.disconnect();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        for (WebSocketClient c : clients) {
            stopQuietly(c);
        }
        if (stallClient != null) {
            stopQuietly(stallClient);
        }
    }

    private static void stopQuietly(WebSocketClient c) {
        try {
            c.stop();
        } catch (Exception ignored) {
            // best effort at exit
        }
    }
}
