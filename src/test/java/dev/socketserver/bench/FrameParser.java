package dev.socketserver.bench;

import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;

/**
 * RFC 6455 framing for the load generator: parses the server's (unmasked) frames in place and
 * encodes the client's (masked) ones. No allocation: a frame's payload is handed over as a
 * range of the buffer it arrived in. The buffer must be big-endian (the default).
 */
final class FrameParser {
    static final int OP_CONTINUATION = 0;
    static final int OP_TEXT = 1;
    static final int OP_BINARY = 2;
    static final int OP_CLOSE = 8;
    static final int OP_PING = 9;
    static final int OP_PONG = 10;
    /** The longest frame header: 2 bytes, a 64-bit length, a mask key. */
    static final int MAX_HEADER = 14;

    /** Receives complete frames. */
    interface Handler {
        /**
         * One frame; its payload is {@code buf[payloadStart, payloadStart + payloadLength)}.
         * The handler may move {@code buf}'s position and limit but must restore them.
         *
         * @return false to stop parsing (e.g. the connection closed)
         */
        boolean frame(int opcode, boolean fin, ByteBuffer buf, int payloadStart, int payloadLength) throws IOException;
    }

    private FrameParser() {
    }

    /**
     * The total length (header and payload) of the server frame starting at {@code at}, or -1
     * when its header is not complete in {@code [at, limit)}.
     *
     * @throws ProtocolException for what a server must not send: a masked frame, reserved
     *                           bits (no extension is negotiated), a length beyond 2^31
     */
    static long frameLength(ByteBuffer b, int at) throws ProtocolException {
        int avail = b.limit() - at;
        if (avail < 2) {
            return -1;
        }
        int b0 = b.get(at);
        int b1 = b.get(at + 1);
        if ((b0 & 0x70) != 0) {
            throw new ProtocolException("reserved bits set in a server frame");
        }
        if ((b1 & 0x80) != 0) {
            throw new ProtocolException("masked server frame");
        }
        int len7 = b1 & 0x7f;
        if (len7 < 126) {
            return 2 + len7;
        }
        if (len7 == 126) {
            return avail < 4 ? -1 : 4 + (b.getShort(at + 2) & 0xffff);
        }
        if (avail < 10) {
            return -1;
        }
        long len = b.getLong(at + 2);
        if (len < 0 || len > Integer.MAX_VALUE - 16) {
            throw new ProtocolException("server frame of " + len + " bytes");
        }
        return 10 + len;
    }

    private static int headerLength(int b1) {
        int len7 = b1 & 0x7f;
        return len7 < 126 ? 2 : len7 == 126 ? 4 : 10;
    }

    /**
     * Hands every complete frame in {@code [position, limit)} to {@code h}, in order.
     *
     * @return where the first incomplete frame starts ({@code limit} when none is left, or
     *         when the handler stopped); the buffer's position and limit are unchanged
     */
    static int parse(ByteBuffer b, Handler h) throws IOException {
        int p = b.position();
        int limit = b.limit();
        while (true) {
            long total = frameLength(b, p);
            if (total < 0 || total > limit - p) {
                return p;
            }
            int b0 = b.get(p);
            int header = headerLength(b.get(p + 1));
            if (!h.frame(b0 & 0x0f, b0 < 0, b, p + header, (int) total - header)) {
                return limit;
            }
            p += (int) total;
        }
    }

    /** The size of a masked client frame with {@code payloadLength} payload bytes. */
    static int maskedLength(int payloadLength) {
        return payloadLength + 4 + (payloadLength < 126 ? 2 : payloadLength <= 0xffff ? 4 : 10);
    }

    /**
     * Appends one final, masked client frame (RFC 6455 5.3) carrying {@code payload[from, from + length)}
     * to {@code out}.
     */
    static void encodeMasked(ByteBuffer out, int opcode, ByteBuffer payload, int from, int length, int maskKey) {
        out.put((byte) (0x80 | opcode));
        if (length < 126) {
            out.put((byte) (0x80 | length));
        } else if (length <= 0xffff) {
            out.put((byte) (0x80 | 126)).putShort((short) length);
        } else {
            out.put((byte) (0x80 | 127)).putLong(length);
        }
        out.putInt(maskKey);
        for (int i = 0; i < length; i++) {
            int shift = 24 - 8 * (i & 3);
            out.put((byte) (payload.get(from + i) ^ (maskKey >>> shift)));
        }
    }

    /** {@link #encodeMasked(ByteBuffer, int, ByteBuffer, int, int, int)} for a whole array. */
    static void encodeMasked(ByteBuffer out, int opcode, byte[] payload, int maskKey) {
        encodeMasked(out, opcode, ByteBuffer.wrap(payload), 0, payload.length, maskKey);
    }
}
