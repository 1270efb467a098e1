package dev.socketserver.hub;

import dev.socketserver.message.Frame;
import dev.socketserver.message.Publication;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One connection, independent of its transport.
 *
 * <p>Outbound frames go into a queue bounded in bytes ({@code maxQueueBytes}, counting queued
 * frames and the batch being written). One writer at a time drains it in batches: started by
 * the thread that finds the queue idle, continued by whichever thread completes a write; writes
 * are asynchronous, so no thread ever waits on a socket and there is no thread per connection. A client over its bound is closed with
 * {@link Disconnect#SLOW_CONSUMER} and its queue released: it never slows anyone else.
 *
 * <p>Thread-safe. Frames passed to {@link #send} by one thread are written in that order.
 */
public final class Client {
    private static final int MAX_BATCH_FRAMES = 64;
    private static final int PENDING = 0;
    private static final int DONE_INLINE = 1;
    private static final int ASYNC = 2;

    private final String id;
    private final String userId;
    private final Transport transport;
    private final long maxQueueBytes;
    private final BiConsumer<Client, Disconnect> onClose;
    /** Frames not yet handed to the transport; also the monitor for the three fields below. */
    private final ArrayDeque<Frame> queue = new ArrayDeque<>();
    private long queuedBytes;
    private long inFlightBytes;
    private boolean writing;
    private Disconnect closeWhenWritten;
    private final AtomicInteger writeState = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    private final Map<String, Recovery> recovering = new ConcurrentHashMap<>();
    private final AtomicInteger recoveringCount = new AtomicInteger();
    private volatile long lastSeenNanos = System.nanoTime();

    /**
     * @param onClose called once, when the server closes the client or the transport reports
     *                it closed; the hub uses it to drop its index entries
     */
    public Client(String id, String userId, Transport transport, long maxQueueBytes,
                  BiConsumer<Client, Disconnect> onClose) {
        this.id = Objects.requireNonNull(id, "id");
        this.userId = Objects.requireNonNull(userId, "userId");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.maxQueueBytes = maxQueueBytes;
        this.onClose = Objects.requireNonNull(onClose, "onClose");
    }

    public String id() {
        return id;
    }

    public String userId() {
        return userId;
    }

    /** Rooms this client is in (a live view). */
    public Set<String> rooms() {
        return rooms;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Bytes queued or being written; for tests and stats. */
    public long queuedBytes() {
        synchronized (queue) {
            return queuedBytes;
        }
    }

    /**
     * Delivers a publication's shared frame: queued at once, or held while its stream is being
     * recovered (see {@link #beginRecovery}).
     *
     * @return true if the caller must start the writer ({@link #drain()}), as for {@link #enqueue}
     */
    boolean deliver(Publication publication, Frame frame) {
        if (recoveringCount.get() != 0) {
            Recovery r = recovering.get(publication.target().streamKey());
            if (r != null) {
                r.offer(publication, frame);
                return false;
            }
        }
        return enqueue(frame);
    }



    /**
     * Starts recovering a stream: from now on its live publications are held back. Call before
     * the client joins the stream's index, then {@link Recovery#complete} with the history read
     * after joining; the overlap is removed by offset, so nothing is lost or repeated.
     */
    public Recovery beginRecovery(String streamKey) {
        Recovery r = new Recovery(streamKey);
        if (recovering.putIfAbsent(streamKey, r) == null) {
            recoveringCount.incrementAndGet();
            return r;
        }
        throw new IllegalStateException("already recovering " + streamKey);
    }

    private record Held(long offset, Frame frame) {
    }

    /** The recovery begun for a stream and not yet completed, or {@code null}. */
    public Recovery pendingRecovery(String streamKey) {
        return recovering.get(streamKey);
    }

    /** A stream being recovered for this client. Thread-safe. */
    public final class Recovery {
        private final String streamKey;
        private List<Held> held = new ArrayList<>();
        private long lastSent = -1;

        Recovery(String streamKey) {
            this.streamKey = streamKey;
        }

        synchronized void offer(Publication p, Frame frame) {
            long offset = p.position() == null ? Long.MAX_VALUE : p.position().offset();
            if (held != null) {
                held.add(new Held(offset, frame));
                return;
            }
            if (offset > lastSent) {
                // Past the replayed range: no more duplicates possible, go fully live.
                send(frame);
                finish();
            }
        }

        /**
         * Sends {@code history} (in offset order), then the held live publications newer than
         * it; later publications flow directly.
         */
        public synchronized void complete(List<Publication> history, Function<Publication, Frame> render) {
            for (Publication p : history) {
                long offset = p.position().offset();
                if (offset > lastSent) {
                    send(render.apply(p));
                    lastSent = offset;
                }
            }
            for (Held h : held) {
                if (h.offset() == Long.MAX_VALUE) {
                    send(h.frame());
                } else if (h.offset() > lastSent) {
                    send(h.frame());
                    lastSent = h.offset();
                }
            }
            held = null;
            if (lastSent < 0) {
                finish();
            }
        }

        private void finish() {
            if (recovering.remove(streamKey, this)) {
                recoveringCount.decrementAndGet();
            }
        }
    }

    /** Queues a frame; closes the client as a slow consumer if that exceeds its bound. */
    public void send(Frame frame) {
        if (enqueue(frame)) {
            drain();
        }
    }

    /**
     * Queues a frame without starting the writer.
     *
     * @return true if the writer was idle and the caller must start it with {@link #drain()}
     */
    boolean enqueue(Frame frame) {
        boolean start;
        synchronized (queue) {
            if (closed.get() || closeWhenWritten != null) {
                return false;
            }
            if (queuedBytes + frame.bytes() > maxQueueBytes) {
                start = false;
                frame = null;
            } else {
                queue.addLast(frame);
                queuedBytes += frame.bytes();
                start = !writing;
                writing = true;
            }
        }
        if (frame == null) {
            close(Disconnect.SLOW_CONSUMER);
        }
        return start;
    }

    /** Writes queued frames until the queue is empty or a write goes asynchronous. */
    void drain() {
        while (true) {
            List<Frame> batch;
            long batchBytes = 0;
            Disconnect thenClose;
            synchronized (queue) {
                thenClose = closeWhenWritten;
                if (closed.get() || queue.isEmpty()) {
                    writing = false;
                    batch = null;
                } else {
                    batch = new ArrayList<>(Math.min(MAX_BATCH_FRAMES, queue.size()));
                    while (batch.size() < MAX_BATCH_FRAMES && !queue.isEmpty()) {
                        Frame f = queue.pollFirst();
                        batch.add(f);
                        batchBytes += f.bytes();
                    }
                    inFlightBytes = batchBytes;
                }
            }
            if (batch == null) {
                if (thenClose != null) {
                    close(thenClose);
                }
                return;
            }
            writeState.set(PENDING);
            transport.write(batch, this::onWritten);
            if (writeState.compareAndSet(PENDING, ASYNC)) {
                return; // onWritten resumes draining
            }
            // Completed on this thread: keep looping instead of recursing.
        }
    }

    private void onWritten(Throwable error) {
        synchronized (queue) {
            queuedBytes -= inFlightBytes;
            inFlightBytes = 0;
        }
        lastSeenNanos = System.nanoTime();
        if (error != null) {
            // The socket is gone: drop the client now; the container's own close report is then a no-op.
            transportClosed();
            return;
        }
        if (!writeState.compareAndSet(PENDING, DONE_INLINE)) {
            drain();
        }
    }

    /** Server-side close: sends the close code, then releases the queue. Idempotent. */
    public void close(Disconnect reason) {
        if (closed.compareAndSet(false, true)) {
            releaseQueue();
            try {
                transport.close(reason.code(), reason.reason());
            } finally {
                onClose.accept(this, reason);
            }
        }
    }

    /**
     * Closes after the frames already queued (e.g. the error replies that explain the close)
     * have been written; nothing new is queued meanwhile. A peer that never reads them is
     * closed by the heartbeat instead.
     */
    public void closeAfterWrites(Disconnect reason) {
        synchronized (queue) {
            if (writing) {
                closeWhenWritten = reason;
                return;
            }
        }
        close(reason);
    }

    /** The transport reports that the peer closed or the socket failed. Idempotent. */
    public void transportClosed() {
        if (closed.compareAndSet(false, true)) {
            releaseQueue();
            onClose.accept(this, null);
        }
    }

    /** Drops queued frames; the batch on the wire is released when its write completes. */
    private void releaseQueue() {
        synchronized (queue) {
            queue.clear();
            queuedBytes = inFlightBytes;
        }
    }

    /** Any inbound traffic (frame or pong) proves the peer is alive; so does a completed write. */
    public void onPong() {
        lastSeenNanos = System.nanoTime();
    }

    long lastSeenNanos() {
        return lastSeenNanos;
    }

    /**
     * Pings an idle connection. A connection with a write in flight is not pinged: its writes
     * completing prove it alive, and if they stop completing it is silent and closed as no-pong.
     */
    void ping() {
        boolean idle;
        synchronized (queue) {
            idle = !writing;
        }
        if (idle && !closed.get()) {
            transport.ping();
        }
    }

    @Override
    public String toString() {
        return "Client[" + id + ", user=" + userId + "]";
    }
}
