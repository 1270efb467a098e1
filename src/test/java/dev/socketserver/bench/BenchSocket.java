package dev.socketserver.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Frame;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One benchmark connection. Works on raw frames ({@link #onWebSocketFrame}): notifications are
 * parsed straight from the payload bytes, with no UTF-8 decoding into a String and no per-frame
 * allocation (the tool must not be the bottleneck). Server frames are single, unfragmented
 * text frames; a fragment is counted as unparsed.
 *
 * <p>Demands frames explicitly, one at a time, so a "stalled" connection can simply stop
 * demanding: the server's writes then back up through the TCP buffers into its per-connection
 * queue, as with a real slow browser. Public only because Jetty invokes the listener
 * reflectively.
 */
public final class BenchSocket implements Session.Listener {
    private static final byte OP_TEXT = 1;
    private static final byte OP_CLOSE = 8;
    private static final byte OP_PING = 9;

    private final Stats stats;
    private final boolean stalled;
    private final String enterCommand;
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private volatile Session session;
    /** Set while a stalled connection is not reading. */
    private volatile boolean paused;
    private boolean pendingDemand;

    /**
     * @param enterCommand sent right after the handshake (null: none, e.g. private or broadcast mode)
     */
    BenchSocket(Stats stats, boolean stalled, String enterCommand) {
        this.stats = stats;
        this.stalled = stalled;
        this.enterCommand = enterCommand;
    }

    @Override
    public void onWebSocketOpen(Session s) {
        session = s;
        stats.opened.increment();
        if (enterCommand != null) {
            s.sendText(enterCommand, Callback.NOOP);
        } else if (stalled) {
            paused = true;
        }
        s.demand();
    }

    @Override
    public void onWebSocketFrame(Frame frame, Callback callback) {
        long now = System.nanoTime();
        byte op = frame.getOpCode();
        if (op == OP_TEXT && frame.isFin()) {
            text(frame.getPayload(), now);
        } else if (op == OP_PING) {
            ByteBuffer copy = ByteBuffer.allocate(frame.getPayloadLength());
            if (frame.hasPayload()) {
                copy.put(frame.getPayload().slice()).flip();
            }
            session.sendPong(copy, Callback.NOOP);
        } else if (op != OP_CLOSE && frame.getType().isData()) {
            stats.otherFrames.increment(); // binary, or a fragment (not sent by the server)
        }
        callback.succeed();
        if (op != OP_CLOSE) {
            demandUnlessPaused();
        }
    }

    private void text(ByteBuffer payload, long now) {
        int kind = Stats.kind(payload);
        if (kind == Stats.NOTIFICATION) {
            stats.notification(payload, now, stalled);
        } else if (kind == Stats.REPLY_OK) {
            stats.acked.increment();
            if (stalled) {
                paused = true; // subscribed: from now on, stop reading
            }
        } else if (kind == Stats.REPLY_ERROR) {
            stats.enterFailed.increment();
        } else {
            stats.otherFrames.increment();
        }
    }

    private void demandUnlessPaused() {
        if (paused) {
            synchronized (this) {
                if (paused) {
                    pendingDemand = true;
                    return;
                }
            }
        }
        session.demand();
    }

    /** A stalled connection starts reading again (to drain its backlog and see the close code). */
    void resume() {
        boolean demand;
        synchronized (this) {
            paused = false;
            demand = pendingDemand;
            pendingDemand = false;
        }
        Session s = session;
        if (demand && s != null && s.isOpen()) {
            s.demand();
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        stats.closed(statusCode, stalled);
        closed.complete(statusCode);
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        stats.error(cause);
        closed.complete(-1);
    }

    boolean stalled() {
        return stalled;
    }

    /** Drops the connection without a close handshake (end of run). */
    void disconnect() {
        Session s = session;
        if (s != null) {
            s.disconnect();
        }
    }
}
