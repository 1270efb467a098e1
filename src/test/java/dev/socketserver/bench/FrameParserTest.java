package dev.socketserver.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 6455 framing of the load generator's client, without a socket. */
class FrameParserTest {
    record Frame(int opcode, boolean fin, byte[] payload) {
        @Override
        public String toString() {
            return opcode + (fin ? "" : "(no fin)") + " x" + payload.length;
        }
    }

    /** Collects frames (copies of their payloads), checking that position and limit are kept. */
    static final class Collector implements FrameParser.Handler {
        final List<Frame> frames = new ArrayList<>();

        @Override
        public boolean frame(int opcode, boolean fin, ByteBuffer buf, int start, int length) {
            byte[] p = new byte[length];
            buf.get(start, p);
            frames.add(new Frame(opcode, fin, p));
            return true;
        }
    }

    /** An unmasked (server) frame. */
    static byte[] serverFrame(int opcode, boolean fin, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        int n = payload.length;
        if (n < 126) {
            out.write(n);
        } else if (n <= 0xffff) {
            out.write(126);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) n >>> shift));
            }
        }
        out.writeBytes(payload);
        return out.toByteArray();
    }

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] filled(int n, char c) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static final List<Frame> MIXED = List.of(
            new Frame(FrameParser.OP_TEXT, true, text("{\"type\":\"info\",\"entityId\":\"1\",\"message\":\"5\"}")),
            new Frame(FrameParser.OP_TEXT, true, new byte[0]),
            new Frame(FrameParser.OP_PING, true, text("hb")),
            new Frame(FrameParser.OP_TEXT, true, filled(125, 'a')), // longest 7-bit length
            new Frame(FrameParser.OP_TEXT, true, filled(126, 'b')), // shortest 16-bit length
            new Frame(FrameParser.OP_BINARY, false, filled(300, 'c')),
            new Frame(FrameParser.OP_TEXT, true, filled(0xffff, 'd')), // longest 16-bit length
            new Frame(FrameParser.OP_TEXT, true, filled(0x10000, 'e')), // shortest 64-bit length
            new Frame(FrameParser.OP_CLOSE, true, new byte[] {0x0f, (byte) 0xa2, 's', 'l', 'o', 'w'}));

    private static byte[] encode(List<Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame f : frames) {
            out.writeBytes(serverFrame(f.opcode(), f.fin(), f.payload()));
        }
        return out.toByteArray();
    }

    private static void assertSameFrames(List<Frame> expected, List<Frame> actual) {
        assertEquals(expected.size(), actual.size(), actual.toString());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).opcode(), actual.get(i).opcode(), "opcode of frame " + i);
            assertEquals(expected.get(i).fin(), actual.get(i).fin(), "fin of frame " + i);
            assertArrayEquals(expected.get(i).payload(), actual.get(i).payload(), "payload of frame " + i);
        }
    }

    @Test
    void parsesSeveralFramesOfEveryLengthFormInOneBuffer() throws Exception {
        byte[] bytes = encode(MIXED);
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length + 10);
        b.position(7);
        b.put(bytes).flip().position(7);
        Collector c = new Collector();
        assertEquals(b.limit(), FrameParser.parse(b, c));
        assertEquals(7, b.position());
        assertSameFrames(MIXED, c.frames);
        assertEquals(0x0fa2, c.frames.get(8).payload()[0] << 8 | (c.frames.get(8).payload()[1] & 0xff)); // 4002
    }

    @Test
    void reportsWhereAnIncompleteFrameStarts() throws Exception {
        byte[] one = serverFrame(FrameParser.OP_TEXT, true, text("hello"));
        byte[] big = serverFrame(FrameParser.OP_TEXT, true, filled(70_000, 'z'));
        byte[] bytes = concat(one, big);
        for (int cut = one.length; cut < bytes.length; cut++) {
            Collector c = new Collector();
            ByteBuffer b = ByteBuffer.wrap(bytes, 0, cut);
            assertEquals(one.length, FrameParser.parse(b, c), "cut at " + cut);
            assertEquals(1, c.frames.size());
            // the header alone tells the whole frame's size once its length bytes are there
            long expected = cut - one.length >= 10 ? big.length : -1;
            assertEquals(expected, FrameParser.frameLength(b, one.length), "cut at " + cut);
            if (cut > one.length + 11) {
                cut += 997; // past the header, coarser steps are enough
            }
        }
    }

    /**
     * The stream split into two reads at every byte offset, the way {@link ClientThread} does
     * it: what the first read leaves incomplete is carried in front of the second.
     */
    @Test
    void framesSplitAcrossReadsAtEveryOffset() throws Exception {
        List<Frame> frames = List.of(MIXED.get(0), MIXED.get(2), MIXED.get(3), MIXED.get(4),
                new Frame(FrameParser.OP_TEXT, true, filled(1000, 'q')), MIXED.get(8));
        byte[] bytes = encode(frames);
        ByteBuffer in = ByteBuffer.allocateDirect(bytes.length);
        for (int cut = 0; cut <= bytes.length; cut++) {
            Collector c = new Collector();
            in.clear().put(bytes, 0, cut).flip();
            int end = FrameParser.parse(in, c);
            byte[] carry = new byte[in.limit() - end];
            in.get(end, carry);
            in.clear().put(carry).put(bytes, cut, bytes.length - cut).flip();
            assertEquals(in.limit(), FrameParser.parse(in, c), "cut at " + cut);
            assertSameFrames(frames, c.frames);
        }
    }

    @Test
    void theHandlerCanStopParsing() throws Exception {
        byte[] bytes = encode(MIXED);
        List<Integer> seen = new ArrayList<>();
        int end = FrameParser.parse(ByteBuffer.wrap(bytes), (op, fin, buf, start, len) -> {
            seen.add(op);
            return op != FrameParser.OP_PING;
        });
        assertEquals(bytes.length, end);
        assertEquals(List.of(FrameParser.OP_TEXT, FrameParser.OP_TEXT, FrameParser.OP_PING), seen);
    }

    @Test
    void rejectsWhatAServerMustNotSend() {
        assertThrows(ProtocolException.class, () -> FrameParser.frameLength(ByteBuffer.wrap(new byte[] {(byte) 0x81, (byte) 0x81, 1, 2, 3, 4, 5}), 0));
        assertThrows(ProtocolException.class, () -> FrameParser.frameLength(ByteBuffer.wrap(new byte[] {(byte) 0xc1, 0}), 0));
        byte[] huge = new byte[10];
        huge[0] = (byte) 0x81;
        huge[1] = 127;
        huge[2] = (byte) 0x80; // 2^63
        assertThrows(ProtocolException.class, () -> FrameParser.frameLength(ByteBuffer.wrap(huge), 0));
    }

    @Test
    void clientFramesAreMasked() {
        for (int n : new int[] {0, 1, 2, 5, 125, 126, 1000, 0xffff, 0x10000}) {
            byte[] payload = new byte[n];
            for (int i = 0; i < n; i++) {
                payload[i] = (byte) (i * 31 + 7);
            }
            ByteBuffer out = ByteBuffer.allocate(FrameParser.maskedLength(n));
            FrameParser.encodeMasked(out, FrameParser.OP_PONG, payload, 0x12345678);
            assertEquals(0, out.remaining(), "maskedLength(" + n + ")");
            out.flip();
            assertEquals((byte) (0x80 | FrameParser.OP_PONG), out.get());
            int b1 = out.get() & 0xff;
            assertTrue((b1 & 0x80) != 0, "mask bit");
            long len = b1 & 0x7f;
            if (len == 126) {
                len = out.getShort() & 0xffff;
            } else if (len == 127) {
                len = out.getLong();
            }
            assertEquals(n, len);
            byte[] key = new byte[4];
            out.get(key);
            assertArrayEquals(new byte[] {0x12, 0x34, 0x56, 0x78}, key);
            byte[] unmasked = new byte[n];
            for (int i = 0; i < n; i++) {
                unmasked[i] = (byte) (out.get() ^ key[i & 3]);
            }
            assertArrayEquals(payload, unmasked, "n=" + n);
        }
    }

    @Test
    void handshakeAcceptKey() {
        // RFC 6455 section 1.3
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Handshake.accept("dGhlIHNhbXBsZSBub25jZQ=="));
        String key = "dGhlIHNhbXBsZSBub25jZQ==";
        String ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
                + "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        assertEquals(null, Handshake.check(ok, key));
        assertEquals("bad Sec-WebSocket-Accept", Handshake.check(ok.replace("xOo=", "xOp="), key));
        assertEquals("HTTP 401", Handshake.check("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", key));
        ByteBuffer b = ByteBuffer.wrap(text(ok + "\u0081\u0000"));
        assertEquals(ok.length(), Handshake.headEnd(b));
        assertEquals(-1, Handshake.headEnd(ByteBuffer.wrap(text("HTTP/1.1 101 OK\r\n\r"))));
    }
}
