package dev.socketserver.redis;

import java.nio.charset.StandardCharsets;

/** UTF-8 conversions for keys, channels and script arguments (the connections carry bytes). */
public final class Bytes {
    private Bytes() {
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] utf8(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    public static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** A script reply element (bulk string or integer) as a long. */
    public static long number(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        return Long.parseLong(string((byte[]) o));
    }
}
