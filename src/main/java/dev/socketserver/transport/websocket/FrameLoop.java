package dev.socketserver.transport.websocket;

import dev.socketserver.message.Frame;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.function.Consumer;

/**
 * Walks a batch one message at a time, each after the previous one's completion, for the
 * Jakarta-style paths where a session has at most one send in progress. A completion on the
 * sending thread (a buffered or immediate write) continues the loop there instead of
 * recursing; one that comes later continues it on the completing thread. One instance per
 * session, reused for every batch.
 */
abstract sealed class FrameLoop implements SessionWrites, SendHandler permits TomcatWrites, JakartaWrites {
    private static final int PENDING = 0;
    private static final int DONE_INLINE = 1;
    private static final int ASYNC = 2;

    // A plain field with a VarHandle rather than an AtomicInteger: one object less per connection.
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(FrameLoop.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state;
    private List<Frame> frames;
    private int index;
    private Consumer<Throwable> done;
    private Throwable failure;

    /** Sends {@code frame} with this loop as its handler. */
    abstract void send(Frame frame);

    /** Before a batch's first frame. */
    void begin() {
    }

    /** After the batch's last frame completed: finishes the batch and calls {@code done} once. */
    abstract void end(Consumer<Throwable> done);

    /** Whether to stop before the next frame (the server is closing the session). */
    boolean stopped() {
        return false;
    }

    /** Undoes {@link #begin} for a batch that failed or stopped before {@link #end}. */
    void abandon() {
    }

    @Override
    public final void write(List<Frame> frames, Consumer<Throwable> done) {
        this.frames = frames;
        this.index = 0;
        this.done = done;
        this.failure = null;
        begin();
        proceed();
    }

    private void proceed() {
        while (true) {
            Throwable f = failure;
            if (f == null && index < frames.size() && stopped()) {
                f = new IOException("the session is closing");
            }
            if (f != null) {
                abandon();
                done.accept(f);
                return;
            }
            if (index == frames.size()) {
                try {
                    end(done);
                } catch (RuntimeException e) {
                    abandon();
                    done.accept(e);
                }
                return;
            }
            state = PENDING;
            try {
                send(frames.get(index++));
            } catch (RuntimeException e) {
                failure = e; // refused at once (e.g. closed): no completion follows
                continue;
            }
            if (STATE.compareAndSet(this, PENDING, ASYNC)) {
                return; // onResult continues
            }
        }
    }

    @Override
    public final void onResult(SendResult result) {
        Throwable e = error(result);
        if (e != null) {
            failure = e;
        }
        if (STATE.compareAndSet(this, PENDING, DONE_INLINE)) {
            return; // the sending thread is still in proceed() and goes on
        }
        proceed();
    }

    /** The error a completion reports, or null. */
    static Throwable error(SendResult result) {
        if (result.isOK()) {
            return null;
        }
        return result.getException() != null ? result.getException() : new IOException("send failed");
    }
}
