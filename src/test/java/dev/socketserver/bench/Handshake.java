package dev.socketserver.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** The client side of the WebSocket opening handshake (RFC 6455 4.1), by hand. */
final class Handshake {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private Handshake() {
    }

    /** A fresh {@code Sec-WebSocket-Key}: 16 random bytes, base64. */
    static String newKey() {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
    }

    static byte[] request(String host, int port, String pathAndQuery, String key) {
        return ("GET " + pathAndQuery + " HTTP/1.1\r\n"
                + "Host: " + host + ":" + port + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The {@code Sec-WebSocket-Accept} a server must answer to {@code key}. */
    static String accept(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The index just past the {@code \r\n\r\n} ending the response head in {@code [position, limit)}, or -1. */
    static int headEnd(ByteBuffer b) {
        for (int i = b.position() + 3; i < b.limit(); i++) {
            if (b.get(i) == '\n' && b.get(i - 1) == '\r' && b.get(i - 2) == '\n' && b.get(i - 3) == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * Checks a response head (status line and headers, ASCII).
     *
     * @return null when it upgrades the connection, else what went wrong (a key of
     *         {@code handshake_errors}: {@code "HTTP 401"}, {@code "bad Sec-WebSocket-Accept"}, ...)
     */
    static String check(String head, String key) {
        int sp = head.indexOf(' ');
        if (!head.startsWith("HTTP/1.1 ") || head.length() < sp + 4) {
            return "bad status line";
        }
        String status = head.substring(sp + 1, sp + 4);
        if (!status.equals("101")) {
            return "HTTP " + status;
        }
        String accept = null;
        boolean upgrade = false;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("sec-websocket-accept")) {
                accept = value;
            } else if (name.equals("upgrade")) {
                upgrade = value.equalsIgnoreCase("websocket");
            }
        }
        if (!upgrade) {
            return "101 without Upgrade: websocket";
        }
        if (!accept(key).equals(accept)) {
            return "bad Sec-WebSocket-Accept";
        }
        return null;
    }
}
