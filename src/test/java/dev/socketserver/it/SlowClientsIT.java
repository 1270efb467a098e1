package dev.socketserver.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HttpApi;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.InfoRequest;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 1, through the real WAR in embedded Jetty with the dev launcher's 32 worker
 * threads: twice that many clients dribbling request bodies (with and without an API key) and
 * as many dribbling WebSocket handshake headers cost no thread, so authenticated API calls,
 * WebSocket handshakes, gRPC calls and deliveries keep their latency; a body without a key is
 * refused from the headers (401), a body that is too slow gets 408 at {@code API_BODY_TIMEOUT},
 * a handshake head still incomplete at {@code HANDSHAKE_TIMEOUT} is cut off although every byte
 * restarts the idle timeout, and requests beyond {@code API_MAX_IN_FLIGHT} get 503.
 */
class SlowClientsIT {
    static final int WORKER_THREADS = 32;
    static final Duration BODY_TIMEOUT = Duration.ofSeconds(6);
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(3);
    /** The status of an answer that never came: the server closed the connection. */
    static final int CLOSED = -1;
    static final Duration QUICK = Duration.ofSeconds(2);

    private EmbeddedJetty server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService dribbler = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService readers = Executors.newCachedThreadPool();

    /** One slow request: its socket, when its headers were sent, and its answer's status line (or a failure). */
    record Slow(Socket socket, long headersSentNanos, CompletableFuture<Answer> answer) {
    }

    /** The status of the answer and when it came. */
    record Answer(int status, long atNanos) {
        double secondsAfter(long nanos) {
            return (atNanos - nanos) / 1e9;
        }
    }

    @AfterEach
    void stop() throws Exception {
        dribbler.shutdownNow();
        for (Socket s : sockets) {
            s.close();
        }
        readers.shutdownNow();
        if (server != null) {
            server.close();
        }
    }

    private void start(Map<String, String> extra) throws Exception {
        Map<String, String> s = EmbeddedJetty.defaults();
        s.put("API_BODY_TIMEOUT", BODY_TIMEOUT.toMillis() + "ms");
        s.put("HANDSHAKE_TIMEOUT", HANDSHAKE_TIMEOUT.toSeconds() + "s");
        s.putAll(extra);
        server = EmbeddedJetty.start(s);
        QueuedThreadPool pool = (QueuedThreadPool) server.server().getThreadPool();
        pool.setMaxThreads(WORKER_THREADS);
    }

    @Test
    void slowBodiesAndHandshakesCostNoThreadAndEndWith401Or408OrADeadline() throws Exception {
        start(Map.of());
        try (GrpcClient grpc = new GrpcClient(server.port());
             WsClient reader = WsClient.connect(server.wsUrl(Tokens.forUser("reader")))) {
            assertTrue(reader.enter("slow-clients").getBoolean("ok"));
            List<Slow> anonymous = new ArrayList<>();
            List<Slow> keyed = new ArrayList<>();
            List<Slow> handshakes = new ArrayList<>();
            for (int i = 0; i < 2 * WORKER_THREADS; i++) {
                anonymous.add(slowBody(null));
                keyed.add(slowBody("Bearer " + GrpcClient.API_KEY));
                handshakes.add(slowHandshake());
            }
            // Every probe runs while all keyed slow bodies are still unanswered (they hold their
            // requests for BODY_TIMEOUT); each must keep its normal latency.
            int rounds = 0;
            while (keyed.stream().noneMatch(s -> s.answer().isDone()) && rounds < 3) {
                rounds++;
                assertQuick("API call", () -> HttpApi.post(server.port(), "Info", "{}").status() == 200);
                assertQuick("gRPC call", () -> !grpc.stub().info(InfoRequest.getDefaultInstance()).getNodeId().isEmpty());
                assertQuick("WebSocket handshake", () -> {
                    try (WsClient c = WsClient.connect(server.wsUrl(Tokens.forUser("probe")))) {
                        return c.enter("probe").getBoolean("ok");
                    }
                });
                String entity = "delivery-" + rounds;
                assertQuick("delivery", () -> {
                    grpc.stub().publish(PublishRequest.newBuilder().setRoom("slow-clients")
                            .setMessage(GrpcClient.info(entity, "x")).build());
                    return entity.equals(reader.nextJson(o -> o.containsKey("entityId")).getString("entityId"));
                });
            }
            assertEquals(3, rounds, "the probes did not all run while the slow bodies were pending");
            for (Slow s : anonymous) {
                Answer a = s.answer().get(QUICK.toSeconds(), TimeUnit.SECONDS);
                assertEquals(401, a.status());
                assertTrue(a.secondsAfter(s.headersSentNanos()) < QUICK.toSeconds(),
                        "401 took " + a.secondsAfter(s.headersSentNanos()) + " s");
            }
            // Each dribbled byte restarts the idle timeout; the head's deadline cuts it all the same.
            for (Slow s : handshakes) {
                Answer a = s.answer().get(HANDSHAKE_TIMEOUT.toSeconds() * 2 + 5, TimeUnit.SECONDS);
                assertEquals(CLOSED, a.status());
                double after = a.secondsAfter(s.headersSentNanos());
                assertTrue(after >= HANDSHAKE_TIMEOUT.toMillis() / 1000.0 - 0.1 && after < HANDSHAKE_TIMEOUT.toSeconds() * 1.5 + 1.5,
                        "head cut after " + after + " s");
            }
            for (Slow s : keyed) {
                Answer a = s.answer().get(BODY_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
                assertEquals(408, a.status());
                double after = a.secondsAfter(s.headersSentNanos());
                assertTrue(after >= BODY_TIMEOUT.toMillis() / 1000.0 - 0.1 && after < BODY_TIMEOUT.toSeconds() + 3,
                        "408 after " + after + " s");
            }
        }
    }

    @Test
    void requestsBeyondTheInFlightBoundGet503AndTheBoundIsGivenBack() throws Exception {
        int bound = 8;
        start(Map.of("API_MAX_IN_FLIGHT", String.valueOf(bound)));
        List<Slow> keyed = new ArrayList<>();
        for (int i = 0; i < bound; i++) {
            keyed.add(slowBody("Bearer " + GrpcClient.API_KEY));
        }
        // The slow ones are in flight once their headers are in: wait for the bound to be reached.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> HttpApi.post(server.port(), "Info", "{}").status() == 503);
        HttpApi.Response refused = HttpApi.post(server.port(), "Info", "{}");
        assertEquals(503, refused.status());
        assertEquals("unavailable", refused.body().getJsonObject("error").getString("code"));
        for (Slow s : keyed) {
            assertEquals(408, s.answer().get(BODY_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS).status());
        }
        assertEquals(200, HttpApi.post(server.port(), "Info", "{}").status(), "permits not given back");
    }

    @Test
    void aDeclaredBodyOverTheLimitIsRefusedUnread() throws Exception {
        start(Map.of("MAX_PUBLISH_BYTES", "4KiB"));
        Slow big = slowBody("Bearer " + GrpcClient.API_KEY, 1 << 30);
        Answer a = big.answer().get(QUICK.toSeconds(), TimeUnit.SECONDS);
        assertEquals(413, a.status());
    }

    private void assertQuick(String what, Supplier<Boolean> call) {
        long start = System.nanoTime();
        assertTrue(call.get(), what + " failed");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < QUICK.toSeconds(), what + " took " + seconds + " s");
    }

    private Slow slowBody(String authorization) throws IOException {
        return slowBody(authorization, 100);
    }

    /** {@code POST /api/Info} declaring {@code length} body bytes, then one byte a second. */
    private Slow slowBody(String authorization, long length) throws IOException {
        return dribbled("POST /api/Info HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Length: " + length + "\r\n\r\n", ' ');
    }

    /** A WebSocket handshake with a valid token whose last header never ends: one byte of its name a second. */
    private Slow slowHandshake() throws IOException {
        return dribbled("GET /ws?t=" + Tokens.forUser("slow") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 'x');
    }

    /** Sends {@code start} at once, then {@code dribble} once a second until answered; reads the status line. */
    private Slow dribbled(String start, char dribble) throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        sockets.add(socket);
        socket.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
        OutputStream out = socket.getOutputStream();
        out.write(start.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long sent = System.nanoTime();
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        dribbler.scheduleAtFixedRate(() -> {
            try {
                if (!answer.isDone()) {
                    out.write(dribble);
                    out.flush();
                }
            } catch (IOException e) {
                // closed by the server: the reader reports it
            }
        }, 1, 1, TimeUnit.SECONDS);
        readers.execute(() -> {
            try {
                String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                answer.complete(new Answer(status == null ? CLOSED : Integer.parseInt(status.split(" ")[1]), System.nanoTime()));
            } catch (java.net.SocketTimeoutException e) {
                answer.completeExceptionally(e);
            } catch (IOException e) {
                answer.complete(new Answer(CLOSED, System.nanoTime())); // reset by the server
            }
        });
        return new Slow(socket, sent, answer);
    }
}
