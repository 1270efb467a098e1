package dev.socketserver.hub;

import dev.socketserver.message.Frame;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * One connection, independent of its transport.
 *
 * <p>Outbound frames go into a queue bounded in bytes ({@code maxQueueBytes}, counting queued
 * frames and the batch being written). One writer at a time drains it in batches; it runs on
 * whichever thread finds the queue idle or completes a write, so there is no thread per
 * connection and {@link #send} never blocks. A client over its bound is closed with
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
    private final ConcurrentLinkedQueue<Frame> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicInteger writeState = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
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
        return queuedBytes.get();
    }

    /** Queues a frame; closes the client as a slow consumer if that exceeds its bound. */
    public void send(Frame frame) {
        if (closed.get()) {
            return;
        }
        if (queuedBytes.addAndGet(frame.bytes()) > maxQueueBytes) {
            queuedBytes.addAndGet(-frame.bytes());
            close(Disconnect.SLOW_CONSUMER);
            return;
        }
        queue.offer(frame);
        if (writing.compareAndSet(false, true)) {
            drain();
        }
    }

    private void drain() {
        while (!closed.get()) {
            List<Frame> batch = new ArrayList<>(Math.min(MAX_BATCH_FRAMES, 8));
            long batchBytes = 0;
            Frame f;
            while (batch.size() < MAX_BATCH_FRAMES && (f = queue.poll()) != null) {
                batch.add(f);
                batchBytes += f.bytes();
            }
            if (batch.isEmpty()) {
                writing.set(false);
                // A frame queued between the poll and the reset would otherwise wait forever.
                if (queue.isEmpty() || !writing.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            long bytes = batchBytes;
            writeState.set(PENDING);
            transport.write(batch, error -> onWritten(bytes, error));
            if (writeState.compareAndSet(PENDING, ASYNC)) {
                return; // onWritten resumes draining
            }
            // Completed on this thread: keep looping instead of recursing.
        }
    }

    private void onWritten(long bytes, Throwable error) {
        queuedBytes.addAndGet(-bytes);
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

    /** The transport reports that the peer closed or the socket failed. Idempotent. */
    public void transportClosed() {
        if (closed.compareAndSet(false, true)) {
            releaseQueue();
            onClose.accept(this, null);
        }
    }

    private void releaseQueue() {
        Frame f;
        while ((f = queue.poll()) != null) {
            queuedBytes.addAndGet(-f.bytes());
        }
    }

    /** Any inbound traffic (frame or pong) proves the peer is alive. */
    public void onPong() {
        lastSeenNanos = System.nanoTime();
    }

    long lastSeenNanos() {
        return lastSeenNanos;
    }

    /** Queues a ping behind pending frames, so pings never race a data write on the socket. */
    void ping() {
        send(Frame.PING);
    }

    @Override
    public String toString() {
        return "Client[" + id + ", user=" + userId + "]";
    }
}
