package dev.socketserver.broker.redis;

import dev.socketserver.message.Notification;
import dev.socketserver.message.StreamPosition;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The compact forms of what travels through Redis. A notification is its three strings, each
 * a varint length and UTF-8; a pub/sub message is {@code offset:epoch|} (or {@code |} without a
 * position) before it; a history entry is {@code expiry:offset:} before it. The scripts add
 * those heads, so the notification is encoded once per publish.
 */
final class Codec {
    private Codec() {
    }

    static byte[] encode(Notification n) {
        byte[] type = n.type().getBytes(StandardCharsets.UTF_8);
        byte[] entity = n.entityId().getBytes(StandardCharsets.UTF_8);
        byte[] body = n.bodyJson().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(type.length + entity.length + body.length + 8);
        for (byte[] part : new byte[][] {type, entity, body}) {
            int len = part.length;
            while ((len & ~0x7f) != 0) {
                out.write((len & 0x7f) | 0x80);
                len >>>= 7;
            }
            out.write(len);
            out.write(part, 0, part.length);
        }
        return out.toByteArray();
    }

    static Notification decode(byte[] b, int from) {
        int[] at = {from};
        String type = string(b, at);
        String entity = string(b, at);
        String body = string(b, at);
        return new Notification(type, entity, body);
    }

    private static String string(byte[] b, int[] at) {
        int len = 0;
        int shift = 0;
        while (true) {
            int x = b[at[0]++] & 0xff;
            len |= (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 28) {
                throw new IllegalArgumentException("bad length");
            }
        }
        String s = new String(b, at[0], len, StandardCharsets.UTF_8);
        at[0] += len;
        return s;
    }

    /** A pub/sub message's position ({@code null} without one) and where its notification starts. */
    record Message(StreamPosition position, Notification notification) {
    }

    static Message message(byte[] b) {
        int bar = indexOf(b, (byte) '|', 0);
        StreamPosition position = bar == 0 ? null : position(new String(b, 0, bar, StandardCharsets.US_ASCII));
        return new Message(position, decode(b, bar + 1));
    }

    /** {@code offset:epoch}; an empty string is no position. */
    static StreamPosition position(String s) {
        if (s.isEmpty()) {
            return null;
        }
        int colon = s.indexOf(':');
        return new StreamPosition(Long.parseLong(s.substring(0, colon)), s.substring(colon + 1));
    }

    /** A history entry: {@code expiry:offset:notification}, given its stream's epoch. */
    static Message entry(byte[] b, String epoch) {
        int c1 = indexOf(b, (byte) ':', 0);
        int c2 = indexOf(b, (byte) ':', c1 + 1);
        long offset = Long.parseLong(new String(b, c1 + 1, c2 - c1 - 1, StandardCharsets.US_ASCII));
        return new Message(new StreamPosition(offset, epoch), decode(b, c2 + 1));
    }

    private static int indexOf(byte[] b, byte x, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        throw new IllegalArgumentException("malformed message");
    }
}
