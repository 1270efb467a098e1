package dev.socketserver.transport.websocket;

import dev.socketserver.message.Frame;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
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
        batching.set(true);
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
     * Stops a batch in progress before its next frame, and switches batching off so that
     * Tomcat's close does not first try to flush (which blocks, for a client that stopped
     * reading, until the blocking-send timeout).
     */
    @Override
    public void closing() {
        closing = true;
        batching.set(false);
    }

    @Override
    public String describe() {
        return "Tomcat output buffer (a client's queued frames are gathered in Tomcat's buffer,"
                + " one asynchronous flush per batch)";
    }
}
