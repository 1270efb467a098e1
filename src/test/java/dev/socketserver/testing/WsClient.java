package dev.socketserver.testing;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's). Text messages are queued whole; waits are bounded.
 */
public final class WsClient implements AutoCloseable {
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private final WebSocket socket;
    private final BlockingQueue<String> messages;
    private final CompletableFuture<Integer> closed;

    private WsClient(WebSocket socket, Listener listener) {
        this.socket = socket;
        this.closed = listener.closed;
        this.messages = listener.messages;
    }

    public static WsClient connect(String url) {
        return connect(url, Map.of());
    }

    public static WsClient connect(String url, Map<String, String> headers) {
        Listener l = new Listener();
        WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(TIMEOUT);
        headers.forEach(b::header);
        try {
            WebSocket ws = b.buildAsync(URI.create(url), l).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new WsClient(ws, l);
        } catch (ExecutionException e) {
            throw new IllegalStateException("handshake failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException("handshake did not finish", e);
        }
    }

    /** The HTTP status of a refused handshake, or 101 when it succeeded (then the socket is closed). */
    public static int handshakeStatus(String url, Map<String, String> headers) {
        try {
            WsClient c = connect(url, headers);
            c.close();
            return 101;
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    public void send(String text) {
        socket.sendText(text, true).join();
    }

    public void sendBinary(byte[] data) {
        socket.sendBinary(ByteBuffer.wrap(data), true).join();
    }

    /** The next text message; fails the test if none arrives in time. */
    public String next() {
        return next(TIMEOUT);
    }

    public String next(Duration timeout) {
        try {
            String m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (m == null) {
                throw new AssertionError("no message within " + timeout);
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next message as a JSON object. */
    public JsonObject nextJson() {
        return parse(next());
    }

    /** Skips messages until one matches; fails if none does in time. */
    public JsonObject nextJson(Predicate<JsonObject> match) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching message within " + TIMEOUT);
            }
            JsonObject o = parse(next(Duration.ofNanos(left)));
            if (match.test(o)) {
                return o;
            }
        }
    }

    /** Asserts that nothing arrives for {@code quiet} (used only to prove an absence). */
    public String poll(Duration quiet) {
        try {
            return messages.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    public static JsonObject parse(String s) {
        try (JsonReader r = Json.createReader(new StringReader(s))) {
            return r.readObject();
        }
    }

    /** Sends a command with an id and returns its reply (skipping notifications). */
    public JsonObject request(String json, Object id) {
        String raw = id instanceof String s ? jsonString(s) : String.valueOf(id);
        send(json);
        return nextJson(o -> o.containsKey("id") && o.get("id").toString().equals(raw));
    }

    /**
     * Returns once the server has registered this connection (a ping's reply proves its endpoint
     * is open), so that a notification published next cannot race the registration: live
     * delivery is at-most-once, and a connection that is not registered yet misses it by design.
     */
    public WsClient ready() {
        request("{\"action\":\"ping\",\"id\":\"ready\"}", "ready");
        return this;
    }

    /** Enters a room and waits for the acknowledgement. */
    public JsonObject enter(String room) {
        int id = (int) (Math.random() * 1_000_000);
        return request("{\"id\":" + id + ",\"action\":\"enter\",\"room\":" + jsonString(room) + "}", id);
    }

    static String jsonString(String s) {
        return Json.createValue(s).toString();
    }

    /** The close code the server sent; fails if the socket does not close in time. */
    public int awaitClose() {
        try {
            return closed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("socket did not close within " + TIMEOUT, e);
        }
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            try {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // already gone
            }
        }
        socket.abort();
    }

    private static final class Listener implements WebSocket.Listener {
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        /** Filled from the first frame on, also before the handshake call returns. */
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String m = partial.toString();
                partial.setLength(0);
                messages.add(m);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.completeExceptionally(error instanceof CompletionException c ? c.getCause() : error);
        }
    }
}
