package dev.socketserver.bench;

import static dev.socketserver.bench.FrameParserTest.concat;
import static dev.socketserver.bench.FrameParserTest.serverFrame;
import static dev.socketserver.bench.FrameParserTest.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The load generator's NIO WebSocket client: its frame reassembly (without a socket), and a
 * whole run against a scripted fake server on loopback (handshake, enter, ping/pong, stall and
 * resume, close codes, a refused handshake).
 */
@Timeout(60)
class BenchClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static byte[] notification(int seq, long sentNanos, int pad) {
        String body = sentNanos + (pad > 0 ? " " + "x".repeat(pad) : "");
        return serverFrame(FrameParser.OP_TEXT, true,
                text("{\"type\":\"info\",\"entityId\":\"" + seq + "\",\"message\":\"" + body + "\",\"room\":\"bench\"}"));
    }

    private static ClientThread idleThread(Stats stats) throws IOException {
        return new ClientThread("test", stats, new InetSocketAddress("127.0.0.1", 1), 4096, null,
                new Semaphore(1), new CountDownLatch(0));
    }

    private static BenchConnection openConnection(ClientThread t) {
        BenchConnection c = new BenchConnection(t, false, null, null);
        c.state = BenchConnection.OPEN;
        return c;
    }

    @Test
    void reassemblesNotificationsSplitAcrossReadsAtEveryOffset() throws Exception {
        byte[] stream = concat(notification(1, 1_000_000, 0), notification(2, 2_000_000, 300), // 16-bit length
                notification(3, 3_000_000, 0), notification(4, 1_000_000, 5));
        Stats stats = new Stats();
        ClientThread t = idleThread(stats);
        BenchConnection c = openConnection(t);
        for (int cut = 0; cut <= stream.length; cut++) {
            t.receivedForTest(c, ByteBuffer.wrap(stream, 0, cut), 5_000_000);
            t.receivedForTest(c, ByteBuffer.wrap(stream, cut, stream.length - cut), 5_000_000);
            Stats.Summary s = stats.summarize();
            assertEquals(4L * (cut + 1), s.received, "cut at " + cut);
            assertEquals(0, s.unparsed, "cut at " + cut);
            assertEquals(4000, s.latency.maxMicros());
            assertEquals(0, c.carryLength, "nothing left over");
        }
        t.stop();
    }

    @Test
    void readsAFrameLargerThanTheReadBuffer() throws Exception {
        byte[] big = notification(1, 1_000_000, ClientThread.READ_BUFFER + 1000); // 64-bit length
        byte[] stream = concat(notification(0, 1_000_000, 0), big, notification(2, 1_000_000, 0));
        int first = notification(0, 1_000_000, 0).length;
        Stats stats = new Stats();
        ClientThread t = idleThread(stats);
        BenchConnection c = openConnection(t);
        int reads = 0;
        for (int cut : new int[] {0, first + 1, first + 5, first + 9, first + 10, first + 11, first + 4000,
                ClientThread.READ_BUFFER - 1, ClientThread.READ_BUFFER, first + big.length - 1, first + big.length}) {
            t.receivedForTest(c, ByteBuffer.wrap(stream, 0, cut), 2_000_000);
            t.receivedForTest(c, ByteBuffer.wrap(stream, cut, stream.length - cut), 2_000_000);
            reads++;
            Stats.Summary s = stats.summarize();
            assertEquals(3L * reads, s.received, "cut at " + cut);
            assertEquals(0, s.unparsed, "cut at " + cut);
            assertEquals(null, c.big);
            assertEquals(0, c.carryLength);
        }
        t.stop();
    }

    /** One scripted server-side connection, blocking with timeouts. */
    private static final class Peer implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        String user;

        Peer(Socket socket) throws IOException {
            this.socket = socket;
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.setTcpNoDelay(true);
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        /** Reads the upgrade request; answers it with {@code status}. */
        void handshake(int status) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                head.write(in.readUnsignedByte());
            }
            String req = head.toString(StandardCharsets.US_ASCII);
            assertTrue(req.startsWith("GET /ws?t="), req);
            Matcher token = Pattern.compile("t=[^.]+\\.([^.]+)\\.").matcher(req);
            assertTrue(token.find(), req);
            String claims = new String(Base64.getUrlDecoder().decode(token.group(1)), StandardCharsets.UTF_8);
            Matcher sub = Pattern.compile("\"sub\":\"([^\"]+)\"").matcher(claims);
            assertTrue(sub.find(), claims);
            user = sub.group(1);
            Matcher key = Pattern.compile("(?i)sec-websocket-key: *(\\S+)").matcher(req);
            assertTrue(key.find(), req);
            if (status == 101) {
                write(text("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + Handshake.accept(key.group(1)) + "\r\n\r\n"));
            } else {
                write(text("HTTP/1.1 " + status + " Nope\r\nContent-Length: 0\r\n\r\n"));
            }
        }

        /** Reads one client frame, checks that it is masked, returns {opcode, payload...}. */
        FrameParserTest.Frame readFrame() throws IOException {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            assertTrue((b1 & 0x80) != 0, "client frames are masked");
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            byte[] mask = new byte[4];
            in.readFully(mask);
            byte[] p = new byte[(int) len];
            in.readFully(p);
            for (int i = 0; i < p.length; i++) {
                p[i] ^= mask[i & 3];
            }
            return new FrameParserTest.Frame(b0 & 0x0f, (b0 & 0x80) != 0, p);
        }

        void write(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static BenchOptions options(int port, String... more) {
        String[] base = {"--ws-port", Integer.toString(port), "--host", "127.0.0.1", "--client-threads", "2"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return BenchOptions.parse(all);
    }

    @Test
    void aWholeRunAgainstAScriptedServer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            server.setSoTimeout((int) WAIT.toMillis());
            BenchOptions opts = options(server.getLocalPort(), "--connections", "2", "--stall", "1", "--mode", "room");
            Stats stats = new Stats();
            CompletableFuture<Peer> liveClosed = new CompletableFuture<>();
            try (ClientFleet fleet = new ClientFleet(opts, stats)) {
                CompletableFuture<Void> script = CompletableFuture.runAsync(() -> {
                    try {
                        Peer a = new Peer(server.accept());
                        Peer b = new Peer(server.accept());
                        for (Peer p : new Peer[] {a, b}) {
                            p.handshake(101);
                            FrameParserTest.Frame enter = p.readFrame();
                            assertEquals(FrameParser.OP_TEXT, enter.opcode());
                            assertEquals("{\"id\":1,\"action\":\"enter\",\"room\":\"bench\"}",
                                    new String(enter.payload(), StandardCharsets.UTF_8));
                            p.write(serverFrame(FrameParser.OP_TEXT, true, text("{\"id\":1,\"ok\":true,\"room\":\"bench\"}")));
                        }
                        Peer stalled = a.user.equals("bench-u0") ? a : b;
                        Peer live = stalled == a ? b : a;
                        assertEquals("bench-u1", live.user);
                        // The stalled connection gets 5 notifications and a close it must not read yet.
                        ByteArrayOutputStream backlog = new ByteArrayOutputStream();
                        for (int i = 0; i < 5; i++) {
                            backlog.writeBytes(notification(i, System.nanoTime(), 100));
                        }
                        backlog.writeBytes(serverFrame(FrameParser.OP_CLOSE, true, new byte[] {0x0f, (byte) 0xa2}));
                        // The client stops reading once it has handled its enter reply; written before
                        // that, the backlog could arrive in the same read as the reply and be read.
                        await().atMost(WAIT).until(() -> stats.acked.sum() == 2);
                        stalled.write(backlog.toByteArray());
                        // The live one: a ping, 20 notifications in one write, one sent byte by byte.
                        live.write(serverFrame(FrameParser.OP_PING, true, text("hb")));
                        FrameParserTest.Frame pong = live.readFrame();
                        assertEquals(FrameParser.OP_PONG, pong.opcode());
                        assertArrayEquals(text("hb"), pong.payload());
                        ByteArrayOutputStream burst = new ByteArrayOutputStream();
                        for (int i = 0; i < 20; i++) {
                            burst.writeBytes(notification(i, System.nanoTime(), i * 10));
                        }
                        live.write(burst.toByteArray());
                        for (byte x : notification(20, System.nanoTime(), 200)) {
                            live.write(new byte[] {x});
                        }
                        live.write(serverFrame(FrameParser.OP_CLOSE, true, new byte[] {0x0f, (byte) 0xa3, 'b', 'y', 'e'}));
                        FrameParserTest.Frame closeReply = live.readFrame();
                        assertEquals(FrameParser.OP_CLOSE, closeReply.opcode());
                        assertArrayEquals(new byte[] {0x0f, (byte) 0xa3}, closeReply.payload());
                        liveClosed.complete(live);
                        FrameParserTest.Frame stalledReply = stalled.readFrame(); // after the resume
                        assertArrayEquals(new byte[] {0x0f, (byte) 0xa2}, stalledReply.payload());
                        a.close();
                        b.close();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                fleet.connectAll();
                assertEquals(2, stats.opened.sum());
                assertEquals(2, stats.acked.sum());
                liveClosed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                await().atMost(WAIT).until(() -> stats.closeCodes.containsKey(4003));
                assertEquals(21, stats.received());
                assertEquals(0, stats.summarize().stalledReceived, "the stalled connection is not reading");
                fleet.resumeStalled();
                fleet.awaitStalledClosed(WAIT.toMillis());
                script.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                Stats.Summary s = stats.summarize();
                assertEquals(5, s.stalledReceived);
                assertEquals(Map.of("4002", 1L), Stats.snapshot(stats.stalledCloseCodes));
                assertEquals(Map.of("4003", 1L), Stats.snapshot(stats.closeCodes));
                assertEquals(21, s.received);
                assertEquals(0, s.unparsed);
                assertEquals(0, stats.otherFrames.sum());
                assertEquals(Map.of(), Stats.snapshot(stats.errors));
            }
        }
    }

    @Test
    void aRefusedHandshakeIsCountedByStatus() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            server.setSoTimeout((int) WAIT.toMillis());
            BenchOptions opts = options(server.getLocalPort(), "--connections", "1", "--mode", "private");
            Stats stats = new Stats();
            try (ClientFleet fleet = new ClientFleet(opts, stats)) {
                CompletableFuture<Void> script = CompletableFuture.runAsync(() -> {
                    try (Peer p = new Peer(server.accept())) {
                        p.handshake(401);
                        assertEquals(-1, p.in.read(), "the client hangs up");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                fleet.connectAll();
                script.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals(0, stats.opened.sum());
                assertEquals(Map.of("HTTP 401", 1L), Stats.snapshot(stats.handshakeErrors));
                assertEquals(0, fleet.pending);
            }
        }
    }
}
