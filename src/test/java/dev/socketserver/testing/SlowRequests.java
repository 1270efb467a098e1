package dev.socketserver.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Slowloris clients (issue 12): raw HTTP/1.1 requests whose body or head is sent one byte (or
 * one chunk) a second, each with a thread that reads the answer's status line and then waits for the end of
 * the connection. A client keeps sending its byte a second after it was answered, until the
 * server ends the connection, so a server that went on reading ("swallowing") the rest of the
 * body after answering would keep a thread busy with it for as long as the test runs.
 */
public final class SlowRequests implements AutoCloseable {
    /** The status of an answer that never came: the server closed (or reset) the connection first. */
    public static final int CLOSED = -1;

    private final int port;
    private final List<Slow> all = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService dribbler = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService readers = Executors.newCachedThreadPool();

    /** The status of an answer (or {@link #CLOSED}) and when it came. */
    public record Answer(int status, long atNanos) {
        public double secondsAfter(long nanos) {
            return (atNanos - nanos) / 1e9;
        }
    }

    /**
     * One slow request: its socket, when its head (or the part of it sent at once) was sent, its
     * answer, and when the server ended the connection (end of stream or reset after the answer).
     */
    public record Slow(Socket socket, OutputStream out, byte[] dribble, long headersSentNanos,
                       CompletableFuture<Answer> answer, CompletableFuture<Long> ended) {
        public double secondsToEnd() {
            return (ended.join() - headersSentNanos) / 1e9;
        }
    }

    public SlowRequests(int port) {
        this.port = port;
        dribbler.scheduleAtFixedRate(this::dribbleAll, 1, 1, TimeUnit.SECONDS);
    }

    /** {@code POST /api/Info} declaring {@code length} body bytes, then one body byte a second. */
    public Slow body(String authorization, long length) throws IOException {
        return start("POST /api/Info HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Length: " + length + "\r\n\r\n", " ");
    }

    /** {@code method path} without a key, declaring {@code length} body bytes, then one body byte a second. */
    public Slow request(String method, String path, long length) throws IOException {
        return start(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + length + "\r\n\r\n", " ");
    }

    /**
     * {@code POST /api/Info} with a chunked body (no {@code Content-Length}), then one chunk of
     * {@code chunkBytes} a second that never ends the body.
     */
    public Slow chunkedBody(String authorization, int chunkBytes) throws IOException {
        return start("POST /api/Info HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Transfer-Encoding: chunked\r\n\r\n", Integer.toHexString(chunkBytes) + "\r\n" + " ".repeat(chunkBytes) + "\r\n");
    }

    /** A WebSocket handshake with {@code token} whose last header never ends: one byte of its name a second. */
    public Slow handshake(String token) throws IOException {
        return start("GET /ws?t=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "x");
    }

    private Slow start(String head, String dribble) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) Duration.ofMinutes(5).toMillis());
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Slow slow = new Slow(socket, out, dribble.getBytes(StandardCharsets.US_ASCII), System.nanoTime(), new CompletableFuture<>(), new CompletableFuture<>());
        all.add(slow);
        readers.execute(() -> read(slow));
        return slow;
    }

    private static void read(Slow slow) {
        try {
            InputStream in = new BufferedInputStream(slow.socket().getInputStream());
            String status = statusLine(in);
            slow.answer().complete(new Answer(status == null ? CLOSED : Integer.parseInt(status.split(" ")[1]), System.nanoTime()));
            while (status != null && in.read() >= 0) {
                // the rest of the answer, up to the end of the connection
            }
            slow.ended().complete(System.nanoTime());
        } catch (SocketTimeoutException e) {
            slow.answer().completeExceptionally(e);
            slow.ended().completeExceptionally(e);
        } catch (IOException e) { // reset by the server (or closed by the test)
            long now = System.nanoTime();
            slow.answer().complete(new Answer(CLOSED, now));
            slow.ended().complete(now);
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                return line.toString(StandardCharsets.US_ASCII).trim();
            }
            line.write(b);
        }
        return null;
    }

    /** One more piece (a byte, a chunk) to every request whose connection the server has not ended, answered or not. */
    private void dribbleAll() {
        for (Slow s : all) {
            if (!s.ended().isDone()) {
                try {
                    s.out().write(s.dribble());
                    s.out().flush();
                } catch (IOException e) {
                    // closed by the server: the reader reports it
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        dribbler.shutdownNow();
        for (Slow s : all) {
            s.socket().close();
        }
        readers.shutdownNow();
    }
}
