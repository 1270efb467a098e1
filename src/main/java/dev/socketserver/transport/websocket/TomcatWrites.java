package dev.socketserver.transport.websocket;

import dev.socketserver.message.Frame;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Tomcat's batched path ({@link TomcatCore}): per batch, batching on, each frame's shared UTF-8
 * bytes copied into Tomcat's output buffer (written whenever it fills, without blocking),
 * batching off, then one asynchronous flush; the batch is done when the flush is on the wire.
 * Nothing blocks: a client that stopped reading leaves a flush pending, the client's queue
 * grows, and it is closed with 4002 as on every path.
 *
 * <p>Batching is on only while a batch's frames are being copied: messages Tomcat sends by
 * itself (pongs answering a client's pings, close frames) are then written as they come, not
 * left in the buffer. One sent meanwhile lands in the buffer and goes out with the batch's
 * flush. Switching batching off before the flush (not after) lets such a control frame overtake
 * the buffered frames, which is harmless, and never leaves one behind in the buffer.
 *
 * <p>Server-side closes ({@link #closeBehindWrites}) do not go through Tomcat's
 * {@code Session.close} first: that sends the close frame blocking, and gives up after 50 ms
 * (Tomcat's abnormal-close send timeout) when a write is still pending, as it is for a client
 * that stopped reading; it then closed the socket without the close frame, and any data Tomcat
 * had not yet handed to the socket was dropped. And a close frame written while batching was on
 * went into the output buffer, where nothing flushed it: the socket then stayed open, silent,
 * until Tomcat's 30 s session-close timeout. Here the close frame is queued behind the pending
 * write with batching off for good (Tomcat writes queued messages in order, and none after a
 * close frame), the session is closed once it is on the wire, and a client that does not read
 * it within the grace period loses its socket without it.
 */
final class TomcatWrites extends FrameLoop {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final SendHandler IGNORE = result -> {
        // A failed ping is followed by the session's close, which the endpoint reports.
    };

    private final Object endpoint;
    private final AtomicBoolean batching;
    /** Made on the first batch: most connections of a notification server are idle. */
    private SendHandler flushed;
    private volatile boolean closing;
    private Consumer<Throwable> done;

    TomcatWrites(Session session) {
        this.endpoint = TomcatCore.endpoint(session);
        this.batching = TomcatCore.batching(endpoint);
    }

    @Override
    void begin() {
        // Under the monitor: a close switches batching off for good (see closing()).
        synchronized (this) {
            if (!closing) {
                batching.set(true);
            }
        }
    }

    @Override
    void send(Frame frame) {
        TomcatCore.send(endpoint, TomcatCore.TEXT, ByteBuffer.wrap(frame.utf8()), this);
    }

    @Override
    void end(Consumer<Throwable> done) {
        batching.set(false);
        this.done = done;
        if (flushed == null) {
            flushed = this::flushed;
        }
        TomcatCore.flush(endpoint, flushed);
    }

    private void flushed(SendResult result) {
        done.accept(error(result));
    }

    @Override
    boolean stopped() {
        return closing;
    }

    @Override
    void abandon() {
        batching.set(false);
    }

    @Override
    public boolean ping() {
        TomcatCore.send(endpoint, TomcatCore.PING, EMPTY.duplicate(), IGNORE);
        return true;
    }

    /**
     * Stops a batch in progress before its next frame, and switches batching off for good, so
     * that Tomcat's close does not first try to flush (which blocks, for a client that stopped
     * reading, until the blocking-send timeout) and no later frame (a close frame above all)
     * is left in the output buffer: a batch that starts after this does not switch it on.
     */
    @Override
    public void closing() {
        synchronized (this) {
            closing = true;
            batching.set(false);
        }
    }

    @Override
    public boolean closeBehindWrites(int code, String reason, Runnable closeSession, ScheduledExecutorService timer,
                                     long graceMillis) {
        closing();
        CloseOnce once = new CloseOnce(closeSession);
        try {
            TomcatCore.send(endpoint, TomcatCore.CLOSE, closePayload(code, reason), once);
        } catch (RuntimeException e) {
            once.run(); // refused at once (e.g. already closed): no completion follows
            return true;
        }
        if (!once.ran()) {
            try {
                once.deadline = timer.schedule(once, graceMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                once.run(); // the webapp is stopping: no grace
                return true;
            }
            if (once.ran()) {
                once.deadline.cancel(false);
            }
        }
        return true;
    }

    /** A close frame's payload: the code, then the reason in UTF-8, cut to the 123 bytes a control frame leaves. */
    static ByteBuffer closePayload(int code, String reason) {
        byte[] text = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(text.length, 123);
        while (n < text.length && n > 0 && (text[n] & 0xC0) == 0x80) {
            n--; // do not cut a character in two
        }
        ByteBuffer b = ByteBuffer.allocate(2 + n);
        b.putShort((short) code).put(text, 0, n).flip();
        return b;
    }

    /**
     * Closes the session once: when the close frame is on the wire (or failed), or at the
     * deadline, whichever comes first. Tomcat drops messages queued behind a socket it closed
     * without completing them, so the deadline is what always ends it.
     */
    private static final class CloseOnce implements SendHandler, Runnable {
        private final AtomicBoolean done = new AtomicBoolean();
        private final Runnable closeSession;
        volatile ScheduledFuture<?> deadline;

        CloseOnce(Runnable closeSession) {
            this.closeSession = closeSession;
        }

        boolean ran() {
            return done.get();
        }

        @Override
        public void onResult(SendResult result) {
            run();
            ScheduledFuture<?> d = deadline;
            if (d != null) {
                d.cancel(false);
            }
        }

        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                closeSession.run();
            }
        }
    }

    @Override
    public String describe() {
        return "Tomcat output buffer (a client's queued frames are gathered in Tomcat's buffer,"
                + " one asynchronous flush per batch)";
    }
}
