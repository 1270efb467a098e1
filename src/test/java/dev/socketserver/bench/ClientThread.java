package dev.socketserver.bench;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One selector thread of the load generator's WebSocket client: non-blocking sockets, the
 * opening handshake by hand, server frames parsed in place from one large read buffer shared
 * by all of this thread's connections. A read takes {@code System.nanoTime()} once: every frame
 * in it arrived at that moment. Other threads talk to it only through {@link #submit}.
 */
final class ClientThread implements FrameParser.Handler, Runnable {
    static final int READ_BUFFER = 256 * 1024;
    /** A carry array up to this size is kept for the next straddling frame; larger ones are dropped. */
    private static final int KEEP_CARRY = 1024;
    private static final int MAX_RESPONSE_HEAD = 16 * 1024;
    private static final long HANDSHAKE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Reads in a row from one socket while each fills the whole buffer. */
    private static final int MAX_READS = 4;

    private final Stats stats;
    private final InetSocketAddress server;
    private final int stallRcvBuf;
    private final byte[] enterCommand;
    private final Semaphore permits;
    private final CountDownLatch stalledClosed;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER);
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(4096);
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<BenchConnection> handshaking = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private final java.util.function.Consumer<SelectionKey> onReady = this::ready;
    private ThreadStats local;
    /** The connection and read time of the frames being parsed (see {@link #frame}). */
    private BenchConnection current;
    private long now;

    /**
     * @param enterCommand sent as a text frame right after the handshake (null: none)
     * @param permits      handshake permits: each connection holds one until it is open, failed,
     *                     or unanswered for 30 s
     */
    ClientThread(String name, Stats stats, InetSocketAddress server, int stallRcvBuf, byte[] enterCommand,
            Semaphore permits, CountDownLatch stalledClosed) throws IOException {
        this.stats = stats;
        this.server = server;
        this.stallRcvBuf = stallRcvBuf;
        this.enterCommand = enterCommand;
        this.permits = permits;
        this.stalledClosed = stalledClosed;
        this.selector = Selector.open();
        this.thread = new Thread(this, name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Runs {@code task} on this thread. */
    void submit(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Stops the thread; it drops its connections (no close handshake). */
    void stop() throws InterruptedException {
        running = false;
        selector.wakeup();
        thread.join(10_000);
        if (!thread.isAlive()) {
            closeAll(); // never started (tests)
        }
    }

    @Override
    public void run() {
        local = stats.threadStats();
        long nextSweep = System.nanoTime();
        try {
            while (running) {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                selector.select(onReady, 500);
                long t = System.nanoTime();
                if (t - nextSweep >= 0) {
                    sweepHandshakes(t);
                    nextSweep = t + TimeUnit.SECONDS.toNanos(1);
                }
            }
        } catch (IOException | RuntimeException e) {
            Bench.log(thread.getName() + " failed: " + e);
        } finally {
            closeAll();
        }
    }

    private void closeAll() {
        if (!selector.isOpen()) {
            return;
        }
        for (SelectionKey k : selector.keys()) {
            try {
                k.channel().close();
            } catch (IOException ignored) {
                // best effort at exit
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // best effort at exit
        }
    }

    // ---- connecting and the opening handshake

    /** Opens {@code c} from {@code source} (runs on this thread). */
    void connect(BenchConnection c, InetSocketAddress source) {
        c.startedNanos = System.nanoTime();
        handshaking.add(c);
        try {
            SocketChannel ch = SocketChannel.open();
            c.channel = ch;
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (c.stalled) {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, stallRcvBuf); // before connect: sets the window
            }
            ch.bind(source);
            boolean connected = ch.connect(server);
            c.key = ch.register(selector, connected ? 0 : SelectionKey.OP_CONNECT, c);
            if (connected) {
                connected(c);
            }
        } catch (IOException | RuntimeException e) {
            handshakeFailed(c, e);
        }
    }

    private void connected(BenchConnection c) throws IOException {
        c.state = BenchConnection.HANDSHAKE;
        ByteBuffer request = ByteBuffer.wrap(c.request);
        c.request = null;
        write(c, request);
        interest(c);
    }

    private void readHandshake(BenchConnection c) throws IOException {
        ByteBuffer b = in;
        b.clear();
        if (c.carryLength > 0) {
            b.put(c.carry, 0, c.carryLength);
        }
        int n = c.channel.read(b);
        if (n < 0) {
            handshakeFailed(c, new EOFException("closed before the handshake response"));
            return;
        }
        if (n == 0) {
            return;
        }
        long t = System.nanoTime();
        b.flip();
        int end = Handshake.headEnd(b);
        if (end < 0) {
            if (b.limit() > MAX_RESPONSE_HEAD) {
                handshakeFailed(c, "response head over 16 KiB");
            } else {
                saveCarry(c, b, 0);
            }
            return;
        }
        byte[] head = new byte[end];
        b.get(0, head);
        c.carryLength = 0;
        c.carry = null;
        String failure = Handshake.check(new String(head, StandardCharsets.US_ASCII), c.wsKey);
        if (failure != null) {
            handshakeFailed(c, failure);
            return;
        }
        opened(c);
        if (c.state == BenchConnection.OPEN && end < b.limit()) {
            b.position(end);
            frames(c, b, t); // frames that came with the response
        }
    }

    private void opened(BenchConnection c) throws IOException {
        c.state = BenchConnection.OPEN;
        c.wsKey = null;
        stats.opened.increment();
        releasePermit(c);
        if (enterCommand != null) {
            send(c, FrameParser.OP_TEXT, ByteBuffer.wrap(enterCommand), 0, enterCommand.length);
        } else if (c.stalled) {
            c.paused = true;
        }
        if (c.state == BenchConnection.OPEN) {
            interest(c);
        }
    }

    private void handshakeFailed(BenchConnection c, Throwable e) {
        stats.handshakeFailed(e);
        handshakeDone(c);
    }

    private void handshakeFailed(BenchConnection c, String reason) {
        stats.handshakeFailed(reason);
        handshakeDone(c);
    }

    private void handshakeDone(BenchConnection c) {
        c.request = null;
        c.wsKey = null;
        releasePermit(c);
        closeChannel(c);
    }

    private void releasePermit(BenchConnection c) {
        if (c.permitHeld) {
            c.permitHeld = false;
            permits.release();
        }
    }

    /**
     * Forgets finished handshakes; one unanswered for 30 s gives its permit back (so the others
     * go on) and stays pending: it is counted if it still completes.
     */
    private void sweepHandshakes(long t) {
        int kept = 0;
        for (int i = 0; i < handshaking.size(); i++) {
            BenchConnection c = handshaking.get(i);
            if (c.state == BenchConnection.OPEN || c.state == BenchConnection.CLOSED) {
                continue;
            }
            if (t - c.startedNanos > HANDSHAKE_TIMEOUT_NANOS) {
                releasePermit(c);
            }
            handshaking.set(kept++, c);
        }
        handshaking.subList(kept, handshaking.size()).clear();
    }

    // ---- reading frames

    private void ready(SelectionKey k) {
        BenchConnection c = (BenchConnection) k.attachment();
        try {
            if (!k.isValid()) {
                return;
            }
            int ops = k.readyOps();
            if ((ops & SelectionKey.OP_CONNECT) != 0 && c.channel.finishConnect()) {
                connected(c);
            }
            if ((ops & SelectionKey.OP_WRITE) != 0 && c.state != BenchConnection.CLOSED) {
                flush(c);
            }
            if ((ops & SelectionKey.OP_READ) != 0) {
                if (c.state == BenchConnection.OPEN) {
                    readFrames(c);
                } else if (c.state == BenchConnection.HANDSHAKE) {
                    readHandshake(c);
                }
            }
        } catch (IOException | RuntimeException e) {
            failed(c, e);
        }
    }

    private void readFrames(BenchConnection c) throws IOException {
        if (c.big != null) {
            readBig(c);
            return;
        }
        ByteBuffer b = in;
        for (int round = 0; round < MAX_READS; round++) {
            b.clear();
            if (c.carryLength > 0) {
                b.put(c.carry, 0, c.carryLength);
            }
            int room = b.remaining();
            int n = c.channel.read(b);
            if (n <= 0) {
                if (n < 0) {
                    endOfStream(c);
                }
                return;
            }
            long t = System.nanoTime();
            local.reads.lazySet(local.reads.get() + 1);
            b.flip();
            frames(c, b, t);
            if (n < room || c.state != BenchConnection.OPEN || c.paused || c.big != null) {
                return; // drained (or stopped): the selector says when there is more
            }
        }
    }

    /** Reads the rest of a frame larger than the read buffer into its own buffer. */
    private void readBig(BenchConnection c) throws IOException {
        int n = c.channel.read(c.big);
        if (n < 0) {
            endOfStream(c);
            return;
        }
        if (c.big.hasRemaining()) {
            return;
        }
        ByteBuffer frame = c.big.flip();
        c.big = null;
        frames(c, frame, System.nanoTime());
    }

    /** Parses {@code b}'s frames for {@code c}; keeps an incomplete last frame for the next read. */
    private void frames(BenchConnection c, ByteBuffer b, long t) throws IOException {
        current = c;
        now = t;
        int end = FrameParser.parse(b, this);
        current = null;
        if (c.state != BenchConnection.OPEN) {
            return;
        }
        int rest = b.limit() - end;
        if (rest == 0) {
            c.carryLength = 0;
            if (c.carry != null && c.carry.length > KEEP_CARRY) {
                c.carry = null;
            }
            return;
        }
        long total = FrameParser.frameLength(b, end);
        if (total > in.capacity()) {
            c.big = ByteBuffer.allocate((int) total);
            c.big.put(c.big.position(), b, end, rest).position(rest);
            c.carryLength = 0;
            c.carry = null;
        } else {
            saveCarry(c, b, end);
        }
    }

    /**
     * For tests: handles {@code data} as if {@code c}'s socket had delivered it, in reads as
     * large as the read buffer allows (after the carry), as {@link #readFrames} does.
     */
    void receivedForTest(BenchConnection c, ByteBuffer data, long t) throws IOException {
        if (local == null) {
            local = stats.threadStats();
        }
        while (data.hasRemaining() && c.state == BenchConnection.OPEN) {
            ByteBuffer b = c.big != null ? c.big : in.clear();
            if (c.big == null && c.carryLength > 0) {
                b.put(c.carry, 0, c.carryLength);
            }
            int n = Math.min(b.remaining(), data.remaining());
            b.put(data.slice(data.position(), n));
            data.position(data.position() + n);
            if (c.big == null) {
                frames(c, b.flip(), t);
            } else if (!c.big.hasRemaining()) {
                c.big = null;
                frames(c, b.flip(), t);
            }
        }
    }

    /**
     * Runs the receive path (frame parsing, notification parsing, the histogram) over synthetic
     * notifications split across reads, so that the JIT has compiled it, with the profile of
     * measured messages, before anything is measured. Counts nothing in the run's stats.
     */
    static void warmUp(int frames) throws IOException {
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        for (int i = 0; i < 64; i++) {
            String body = "{\"type\":\"info\",\"entityId\":\"" + (i % 8 == 0 ? "w" : "") + i
                    + "\",\"message\":\"" + (1_000_000 + i) + (i % 4 == 0 ? " " + "x".repeat(200) : "") + "\"}";
            byte[] p = body.getBytes(StandardCharsets.US_ASCII);
            one.write(FrameParser.OP_TEXT | 0x80);
            if (p.length < 126) {
                one.write(p.length);
            } else {
                one.write(126);
                one.write(p.length >>> 8);
                one.write(p.length);
            }
            one.writeBytes(p);
        }
        byte[] chunk = one.toByteArray();
        ClientThread t = new ClientThread("warm-up", new Stats(), new InetSocketAddress("127.0.0.1", 1), 0, null,
                new Semaphore(0), new CountDownLatch(0));
        try {
            BenchConnection c = new BenchConnection(t, false, null, null);
            c.state = BenchConnection.OPEN;
            ByteBuffer data = ByteBuffer.wrap(chunk);
            for (int n = 0; n < frames; n += 64) {
                int cut = (n / 64 * 37) % chunk.length;
                t.receivedForTest(c, data.clear().limit(cut), 2_000_000);
                t.receivedForTest(c, data.limit(chunk.length), 2_000_000);
            }
        } finally {
            t.closeAll();
        }
    }

    private static void saveCarry(BenchConnection c, ByteBuffer b, int from) {
        int rest = b.limit() - from;
        if (c.carry == null || c.carry.length < rest) {
            c.carry = new byte[Math.max(rest, 256)];
        }
        b.get(from, c.carry, 0, rest);
        c.carryLength = rest;
    }

    @Override
    public boolean frame(int opcode, boolean fin, ByteBuffer b, int start, int length) throws IOException {
        BenchConnection c = current;
        switch (opcode) {
            case FrameParser.OP_TEXT -> {
                if (fin) {
                    text(c, b, start, length);
                } else {
                    stats.otherFrames.increment(); // a fragment: the server sends whole messages
                }
            }
            case FrameParser.OP_PING -> send(c, FrameParser.OP_PONG, b, start, length);
            case FrameParser.OP_PONG -> {
                // not asked for
            }
            case FrameParser.OP_CLOSE -> {
                closeReceived(c, b, start, length);
                return false;
            }
            default -> stats.otherFrames.increment(); // binary or continuation
        }
        return c.state == BenchConnection.OPEN;
    }

    private void text(BenchConnection c, ByteBuffer b, int start, int length) {
        int position = b.position();
        int limit = b.limit();
        b.limit(start + length).position(start);
        int kind = Stats.kind(b);
        if (kind == Stats.NOTIFICATION) {
            stats.notification(local, c, b, now, c.stalled);
        } else if (kind == Stats.REPLY_OK) {
            stats.acked.increment();
            if (c.stalled) {
                c.paused = true; // subscribed: from now on, stop reading
                interest(c);
            }
        } else if (kind == Stats.REPLY_ERROR) {
            stats.enterFailed.increment();
        } else {
            stats.otherFrames.increment();
        }
        b.limit(limit).position(position);
    }

    private void closeReceived(BenchConnection c, ByteBuffer b, int start, int length) throws IOException {
        int code = length >= 2 ? b.getShort(start) & 0xffff : 1005;
        stats.closed(code, c.stalled);
        c.paused = true; // nothing more is read
        c.closeAfterFlush = true;
        // Answer with the same code; then the socket is closed (the server closes its side too).
        send(c, FrameParser.OP_CLOSE, b, start, length >= 2 ? 2 : 0);
        if (c.out == null) {
            closeChannel(c);
        }
    }

    private void endOfStream(BenchConnection c) {
        stats.closed(1006, c.stalled); // no close frame
        closeChannel(c);
    }

    private void failed(BenchConnection c, Exception e) {
        if (c.state == BenchConnection.OPEN) {
            stats.error(e);
            closeChannel(c);
        } else if (c.state != BenchConnection.CLOSED) {
            handshakeFailed(c, e);
        }
    }

    private void closeChannel(BenchConnection c) {
        if (c.state == BenchConnection.CLOSED) {
            return;
        }
        c.state = BenchConnection.CLOSED;
        if (c.key != null) {
            c.key.cancel();
        }
        if (c.channel != null) {
            try {
                c.channel.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        c.carry = null;
        c.big = null;
        c.out = null;
        if (c.stalled) {
            stalledClosed.countDown();
        }
    }

    // ---- writing (masked client frames)

    private void send(BenchConnection c, int opcode, ByteBuffer payload, int from, int length) throws IOException {
        int size = FrameParser.maskedLength(length);
        ByteBuffer w = size <= scratch.capacity() ? scratch.clear() : ByteBuffer.allocate(size);
        FrameParser.encodeMasked(w, opcode, payload, from, length, ThreadLocalRandom.current().nextInt());
        write(c, w.flip());
    }

    /** Writes {@code w} now, or queues what the socket does not take (in order, behind earlier output). */
    private void write(BenchConnection c, ByteBuffer w) throws IOException {
        if (c.out == null) {
            c.channel.write(w);
            if (!w.hasRemaining()) {
                return;
            }
            c.out = ByteBuffer.allocate(Math.max(w.remaining(), 512));
        } else if (c.out.remaining() < w.remaining()) {
            ByteBuffer grown = ByteBuffer.allocate(c.out.position() + w.remaining() + 512);
            c.out = grown.put(c.out.flip());
        }
        c.out.put(w);
        interest(c);
    }

    private void flush(BenchConnection c) throws IOException {
        c.out.flip();
        c.channel.write(c.out);
        if (c.out.hasRemaining()) {
            c.out.compact();
            return;
        }
        c.out = null;
        if (c.closeAfterFlush) {
            closeChannel(c);
        } else {
            interest(c);
        }
    }

    private static void interest(BenchConnection c) {
        if (c.state == BenchConnection.CLOSED || c.state == BenchConnection.CONNECTING) {
            return;
        }
        int ops = (c.paused ? 0 : SelectionKey.OP_READ) | (c.out != null ? SelectionKey.OP_WRITE : 0);
        if (c.key.interestOps() != ops) {
            c.key.interestOps(ops);
        }
    }

    /** A stalled connection starts reading again (to drain its backlog and see the close code). */
    void resume(BenchConnection c) {
        c.paused = false;
        interest(c);
    }
}
