package dev.socketserver.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A bare RFC 6455 client over a plain socket, for what polite clients cannot do: send invalid
 * UTF-8 or arbitrary opcodes, never answer pings, stop reading. Blocking; reads are bounded by
 * socket timeouts.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int TEXT = 1;
    public static final int BINARY = 2;
    public static final int CLOSE = 8;
    public static final int PING = 9;
    public static final int PONG = 10;

    /** A received frame. */
    public record Frame(int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame (1005 when it carries none). */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final int status;
    private final Map<String, String> responseHeaders;

    private RawWebSocket(Socket socket, DataInputStream in, int status, Map<String, String> responseHeaders) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
        this.status = status;
        this.responseHeaders = responseHeaders;
    }

    /** A header of the handshake response (name case-insensitive), or {@code null}. */
    public String responseHeader(String name) {
        return responseHeaders.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    /** Performs the handshake; check {@link #status()} (101 when upgraded). */
    public static RawWebSocket connect(int port, String pathAndQuery, Map<String, String> headers) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        StringBuilder req = new StringBuilder()
                .append("GET ").append(pathAndQuery).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(nonce)).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n");
        headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        req.append("\r\n");
        s.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
        DataInputStream in = new DataInputStream(s.getInputStream());
        String statusLine = readLine(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> response = new java.util.HashMap<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                response.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return new RawWebSocket(s, in, status, response);
    }

    private static String readLine(DataInputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b == -1 && line.size() == 0) {
            throw new EOFException("connection closed during handshake");
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    public int status() {
        return status;
    }

    /** The body of a refused handshake (its {@code Content-Length} bytes), as UTF-8. */
    public String responseBody() throws IOException {
        String length = responseHeader("Content-Length");
        if (length == null) {
            return "";
        }
        byte[] body = new byte[Integer.parseInt(length)];
        in.readFully(body);
        return new String(body, StandardCharsets.UTF_8);
    }

    public void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8), true);
    }

    /** One masked frame with any opcode and payload. */
    public synchronized void send(int opcode, byte[] payload, boolean fin) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length);
        } else {
            f.write(0x80 | 127);
            long len = payload.length;
            for (int i = 7; i >= 0; i--) {
                f.write((int) (len >>> (8 * i)));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.write(mask);
        byte[] masked = new byte[payload.length];
        for (int i = 0; i < payload.length; i++) {
            masked[i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        f.write(masked);
        out.write(f.toByteArray());
        out.flush();
    }

    /** The next frame, or {@code null} if none arrives within {@code timeout}. */
    public Frame read(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            return new Frame(b0 & 0x0f, payload);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** The next text or close frame, skipping the server's pings (unanswered); null if none within 10 s. */
    public Frame nextTextOrClose() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            Frame f = read(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            if (f != null && (f.opcode() == TEXT || f.opcode() == CLOSE)) {
                return f;
            }
        }
        return null;
    }

    /**
     * Reads (ignoring pings, never answering them) until the server's close frame; returns its
     * code, or -1 if the socket ended without one. Fails after {@code timeout}.
     */
    public int awaitClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Frame f;
            try {
                f = read(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            } catch (EOFException e) {
                return -1;
            }
            if (f != null && f.opcode() == CLOSE) {
                return f.closeCode();
            }
        }
        throw new AssertionError("no close frame within " + timeout);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
