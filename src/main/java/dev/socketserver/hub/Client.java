package dev.socketserver.hub;

import dev.socketserver.message.Frame;
import dev.socketserver.message.Publication;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.stats.Stats;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One connection, independent of its transport.
 *
 * <p>Outbound frames go into a queue bounded in bytes ({@code maxQueueBytes}, counting queued
 * frames and the batch being written). One writer at a time drains it in batches (up to
 * {@value #MAX_BATCH_FRAMES} frames or {@value #MAX_BATCH_BYTES} bytes, handed to the transport
 * as one write): fan-out only queues and hands idle clients to the node's writer pool; a reply
 * is written by the thread that queues it; a write that completes later continues on the pool.
 * Writes are asynchronous, so no thread ever waits on a socket and there is no thread per
 * connection. A client whose queue already holds its bound when a frame arrives is closed with
 * {@link Disconnect#SLOW_CONSUMER} and its queue released: it never slows anyone else; the side
 * effects of that close run on the writer pool, never on the publisher's thread
 * ({@link #closeFromFanOut}).
 *
 * <p>Every change of the queue is also reported to the node's {@link Backlog}.
 *
 * <p>Thread-safe. Frames passed to {@link #send} by one thread are written in that order.
 */
public final class Client {
    static final int MAX_BATCH_FRAMES = 256;
    static final int MAX_BATCH_BYTES = 64 * 1024;
    /** Batches one drain writes back to back when they complete at once, before yielding its thread. */
    private static final int MAX_INLINE_ROUNDS = 4;
    private static final int PENDING = 0;
    private static final int DONE_INLINE = 1;
    private static final int ASYNC = 2;
    // Plain fields with VarHandles rather than atomic objects: 48 bytes less per connection.
    private static final VarHandle WRITE_STATE;
    private static final VarHandle CLOSED;
    private static final VarHandle RECOVERING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WRITE_STATE = l.findVarHandle(Client.class, "writeState", int.class);
            CLOSED = l.findVarHandle(Client.class, "closed", boolean.class);
            RECOVERING = l.findVarHandle(Client.class, "recoveringCount", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String id;
    private final String userId;
    private final Transport transport;
    private final long maxQueueBytes;
    private final Executor writers;
    private final Backlog backlog;
    private final Stats stats;
    private final BiConsumer<Client, Disconnect> onClose;
    private final Consumer<Throwable> written = this::onWritten;
    private final Runnable drainTask = this::drain;
    /** Frames not yet handed to the transport; also the monitor for the fields below. */
    private final ArrayDeque<Frame> queue = new ArrayDeque<>(4);
    private long queuedBytes;
    private long inFlightBytes;
    /** What this client adds to the backlog now, and whether it counts there at all. */
    private long counted;
    private boolean counting = true;
    private long writeStartedNanos;
    private boolean stalled;
    private boolean writing;
    private Disconnect closeWhenWritten;
    private volatile int writeState;
    private volatile boolean closed;
    /**
     * Rooms joined, copied on every change under this client's monitor: changes are rare (commands)
     * and reads are lock-free; an immutable set of one room is 24 bytes where a concurrent set
     * is about 200, per connection.
     */
    private volatile Set<String> rooms = Set.of();
    /** Streams being recovered; made on the first recovery (most connections never recover). */
    private volatile Map<String, Recovery> recovering;
    private volatile int recoveringCount;
    private volatile long lastSeenNanos = System.nanoTime();
    /** When the oldest ping not yet answered by any sign of life was due; 0 before the first. */
    private volatile long pingedNanos;

    /**
     * @param writers continues writes that complete asynchronously, and batches after a few
     *                that completed at once (fairness between clients); {@code null}: continue
     *                on the completing thread
     * @param backlog the node's outbound backlog, kept up to date by this client
     * @param onClose called once, when the server closes the client or the transport reports
     *                it closed; the hub uses it to drop its index entries
     */
    public Client(String id, String userId, Transport transport, long maxQueueBytes, Executor writers,
                  Backlog backlog, BiConsumer<Client, Disconnect> onClose) {
        this(id, userId, transport, maxQueueBytes, writers, backlog, Stats.disabled(), onClose);
    }

    /** @param stats counts the frames and bytes handed to the transport, and the close codes sent */
    public Client(String id, String userId, Transport transport, long maxQueueBytes, Executor writers,
                  Backlog backlog, Stats stats, BiConsumer<Client, Disconnect> onClose) {
        this.stats = Objects.requireNonNull(stats, "stats");
        this.id = Objects.requireNonNull(id, "id");
        this.userId = Objects.requireNonNull(userId, "userId");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.maxQueueBytes = maxQueueBytes;
        this.writers = writers;
        this.backlog = Objects.requireNonNull(backlog, "backlog");
        this.onClose = Objects.requireNonNull(onClose, "onClose");
        backlog.counting(+1);
    }

    /** A client without a writer pool (writes continue on the completing thread), outside any node's backlog. */
    public Client(String id, String userId, Transport transport, long maxQueueBytes,
                  BiConsumer<Client, Disconnect> onClose) {
        this(id, userId, transport, maxQueueBytes, null, Backlog.unbounded(), onClose);
    }

    public String id() {
        return id;
    }

    public String userId() {
        return userId;
    }

    /** Rooms this client is in: an immutable snapshot. */
    public Set<String> rooms() {
        return rooms;
    }

    /** @return false if already in {@code room} */
    boolean addRoom(String room) {
        synchronized (this) {
            Set<String> r = rooms;
            if (r.contains(room)) {
                return false;
            }
            String[] a = r.toArray(new String[r.size() + 1]);
            a[r.size()] = room;
            rooms = Set.of(a);
            return true;
        }
    }

    /** @return false if not in {@code room} */
    boolean removeRoom(String room) {
        synchronized (this) {
            Set<String> r = rooms;
            if (!r.contains(room)) {
                return false;
            }
            String[] a = new String[r.size() - 1];
            int i = 0;
            for (String x : r) {
                if (!x.equals(room)) {
                    a[i++] = x;
                }
            }
            rooms = Set.of(a);
            return true;
        }
    }

    /** Leaves every room at once; returns the rooms left. */
    Set<String> clearRooms() {
        synchronized (this) {
            Set<String> r = rooms;
            rooms = Set.of();
            return r;
        }
    }

    public boolean isClosed() {
        return closed;
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
     * @param tally receives the growth of this client's backlog share; the caller commits it
     * @return whether the writer was idle: the caller must start it ({@link #drain()})
     */
    boolean deliver(Publication publication, Frame frame, Backlog.Tally tally) {
        if (recoveringCount != 0) {
            Recovery r = recovering.get(publication.target().streamKey());
            if (r != null) {
                return r.offer(publication, frame, tally);
            }
        }
        return enqueue(frame, tally);
    }

    /**
     * Starts recovering a stream: from now on its live publications are held back. Call before
     * the client joins the stream's index, then {@link Recovery#complete} with the history read
     * after joining; the overlap is removed by position, so nothing is lost or repeated. A
     * recovery still pending for the stream (e.g. one whose completion is still in flight) is
     * replaced: it will do nothing more.
     */
    public Recovery beginRecovery(String streamKey) {
        Recovery r = new Recovery(streamKey);
        Map<String, Recovery> m = recovering;
        if (m == null) {
            synchronized (this) {
                m = recovering;
                if (m == null) {
                    recovering = m = new ConcurrentHashMap<>(4);
                }
            }
        }
        // Published before the count: a deliver() that sees the count sees the map.
        Recovery replaced = m.put(streamKey, r);
        if (replaced == null) {
            RECOVERING.getAndAdd(this, 1);
        } else {
            replaced.end(false);
        }
        return r;
    }

    /** Ends the recovery of a stream, if any (the client left the stream). */
    public void endRecovery(String streamKey) {
        Recovery r = pendingRecovery(streamKey);
        if (r != null) {
            r.end(true);
        }
    }

    /** A live publication held back during a recovery; {@code position} is null without history. */
    private record Held(StreamPosition position, Frame frame) {
    }

    /** The recovery begun for a stream and not yet completed, or {@code null}. */
    public Recovery pendingRecovery(String streamKey) {
        Map<String, Recovery> m = recovering;
        return m == null ? null : m.get(streamKey);
    }

    /** How a publication's position follows the last position a client has of its stream. */
    private enum Sequence {
        /** The client has it already (an overlap of replay and live). */
        DUPLICATE,
        /** The next one: nothing missed. */
        NEXT,
        /** Something between them is missing: the client cannot know what. */
        GAP;

        /**
         * Compares by epoch first. A new epoch that starts at offset 1 follows anything: the
         * stream began again and nothing of the new epoch was missed.
         */
        static Sequence of(StreamPosition last, StreamPosition next) {
            if (!next.epoch().equals(last.epoch())) {
                return next.offset() == 1 ? NEXT : GAP;
            }
            if (next.offset() <= last.offset()) {
                return DUPLICATE;
            }
            return next.offset() == last.offset() + 1 ? NEXT : GAP;
        }
    }

    /**
     * A stream being recovered for this client. Thread-safe.
     *
     * <p>Until {@link #complete} the stream's live publications are held; they count against
     * the client's queue bound with the queue's rule (a publication that finds queue and held
     * frames at the bound closes the client as a slow consumer). After it, the client's
     * position in the stream is known ({@code last}: the replayed, or the current position) and
     * live publications are checked against it by (epoch, offset) until the first one that
     * follows it (the overlap of the history read and live delivery, whose order an engine
     * does not fix, is dropped); then the stream goes fully live. A publication that does not
     * follow (a missing offset, a new epoch that does not start at 1) closes the client with
     * {@link Disconnect#STREAM_GAP}: it reconnects and recovers instead of missing notifications
     * silently.
     */
    public final class Recovery {
        private final String streamKey;
        private List<Held> held = new ArrayList<>();
        private long heldBytes;
        /** The client's position once complete; null while holding, or for a stream without history. */
        private StreamPosition last;
        private boolean ended;
        private boolean replaced;

        Recovery(String streamKey) {
            this.streamKey = streamKey;
        }

        synchronized boolean offer(Publication p, Frame frame, Backlog.Tally tally) {
            if (ended) {
                // Went live, or the client left the stream: deliver as to any member. Replaced
                // by a newer recovery: that one replays it from history.
                return !replaced && enqueue(frame, tally);
            }
            if (held != null) {
                // Held frames count against the queue bound as if queued, with the queue's rule: a
                // client is slow when a frame finds its queue and what is held already at the bound;
                // a frame that finds them below is held even if it goes over, so a reading client
                // gets every frame that fits alone (Node refuses larger ones) also while recovering.
                if (queuedBytes() + heldBytes >= maxQueueBytes) {
                    end(true);
                    closeFromFanOut(Disconnect.SLOW_CONSUMER);
                    return false;
                }
                held.add(new Held(p.position(), frame));
                heldBytes += frame.bytes();
                return false;
            }
            if (p.position() == null) {
                return enqueue(frame, tally); // not in the stream's sequence (a presence event)
            }
            switch (Sequence.of(last, p.position())) {
                case DUPLICATE -> {
                    return false;
                }
                case NEXT -> {
                    boolean start = enqueue(frame, tally);
                    end(true);
                    return start;
                }
                default -> {
                    end(true);
                    closeFromFanOut(Disconnect.STREAM_GAP);
                    return false;
                }
            }
        }

        /**
         * Sends {@code replay} (the frames from the client's position up to {@code position}, in
         * order), then the held live publications that follow it; later ones are checked as
         * described above. Does nothing if the recovery ended meanwhile (the client left).
         *
         * @param position the position {@code replay} brings the client to (the stream's
         *                 position when nothing is replayed); {@code null} for a stream
         *                 without history, which then goes live at once
         */
        public synchronized void complete(List<Frame> replay, StreamPosition position) {
            if (ended) {
                return;
            }
            for (Frame f : replay) {
                sendAdmitted(f);
            }
            List<Held> live = held;
            held = null;
            heldBytes = 0;
            last = position;
            boolean followed = position == null;
            for (Held h : live) {
                if (h.position() == null || last == null) {
                    sendAdmitted(h.frame());
                    continue;
                }
                Sequence next = Sequence.of(last, h.position());
                if (next == Sequence.GAP) {
                    end(true);
                    closeFromFanOut(Disconnect.STREAM_GAP);
                    return;
                }
                if (next == Sequence.NEXT) {
                    sendAdmitted(h.frame());
                    last = h.position();
                    followed = true;
                }
            }
            if (followed) {
                end(true);
            }
        }

        /**
         * Queues a frame this recovery admitted already (a held one, or the replay, at most half
         * the bound) without checking the bound again: pushed in one go, they would otherwise
         * meet each other in the queue and close a reading client as slow. So while a recovery
         * completes a queue may hold up to 2.5 x the bound (queue and held below it before the
         * last held frame, that frame at most the bound, plus the replay).
         */
        private void sendAdmitted(Frame f) {
            if (enqueue(f, null, false)) {
                drain();
            }
        }

        /** Drops what is held and stops (the recovery was abandoned). */
        public void end() {
            end(true);
        }

        /**
         * Drops what is held and stops. {@code unregister}: it ended for good and leaves the
         * client's map; otherwise a newer recovery of the stream replaced it there.
         */
        synchronized void end(boolean unregister) {
            ended = true;
            held = null;
            heldBytes = 0;
            if (!unregister) {
                replaced = true;
            } else if (recovering.remove(streamKey, this)) {
                RECOVERING.getAndAdd(Client.this, -1);
            }
        }
    }

    /** Queues a frame and writes it from this thread if the writer was idle; closes the client as a slow consumer if that exceeds its bound. */
    public void send(Frame frame) {
        if (enqueue(frame, null)) {
            drain();
        }
    }

    /**
     * Queues a frame without starting the writer.
     *
     * @param tally receives the growth of this client's backlog share (a fan-out commits it
     *              once); {@code null}: added to the backlog here
     * @return whether the writer was idle: the caller must start it ({@link #drain()})
     */
    boolean enqueue(Frame frame, Backlog.Tally tally) {
        return enqueue(frame, tally, true);
    }

    /** {@code bounded}: false for frames a recovery already admitted against the bound. */
    private boolean enqueue(Frame frame, Backlog.Tally tally, boolean bounded) {
        long growth;
        boolean start;
        synchronized (queue) {
            if (closed || closeWhenWritten != null) {
                return false;
            }
            // Slow is a queue already at its bound: a frame that finds it below is queued even if
            // it goes over (Node refuses frames larger than the bound), so a reading client gets
            // every frame whatever its queue held, and a queue holds less than twice the bound.
            if (bounded && queuedBytes >= maxQueueBytes) {
                frame = null;
                growth = 0;
                start = false;
            } else {
                queue.addLast(frame);
                queuedBytes += frame.bytes();
                growth = recount();
                start = !writing;
                writing = true;
            }
        }
        if (frame == null) {
            closeFromFanOut(Disconnect.SLOW_CONSUMER);
        } else if (tally != null) {
            tally.add(growth);
        } else {
            backlog.add(growth);
        }
        return start;
    }

    /** Brings {@link #counted} up to date; returns the change. Hold the queue's monitor. */
    private long recount() {
        boolean counts = !stalled && !closed;
        if (counts != counting) {
            counting = counts;
            backlog.counting(counts ? +1 : -1);
        }
        long share = counts ? backlog.shareOf(queuedBytes) : 0;
        long change = share - counted;
        counted = share;
        return change;
    }

    /**
     * Writes queued frames until the queue is empty or a write goes asynchronous; after a few
     * batches that completed at once it continues on the writer pool, so that one busy client
     * cannot keep a thread from the others.
     */
    void drain() {
        for (int round = 0; ; round++) {
            if (round == MAX_INLINE_ROUNDS && writers != null) {
                continueOnWriters();
                return;
            }
            List<Frame> batch;
            Disconnect thenClose;
            long batchBytes = 0;
            synchronized (queue) {
                thenClose = closeWhenWritten;
                if (closed || queue.isEmpty()) {
                    writing = false;
                    batch = null;
                } else {
                    int n = Math.min(MAX_BATCH_FRAMES, queue.size());
                    batch = new ArrayList<>(n);
                    do {
                        Frame f = queue.pollFirst();
                        batch.add(f);
                        batchBytes += f.bytes();
                    } while (batch.size() < n && batchBytes + queue.peekFirst().bytes() <= MAX_BATCH_BYTES);
                    inFlightBytes = batchBytes;
                    writeStartedNanos = System.nanoTime();
                }
            }
            if (batch == null) {
                if (thenClose != null) {
                    close(thenClose);
                }
                return;
            }
            stats.written(batch.size(), batchBytes);
            writeState = PENDING;
            transport.write(batch, written);
            if (WRITE_STATE.compareAndSet(this, PENDING, ASYNC)) {
                return; // onWritten resumes draining
            }
            // Completed on this thread: keep looping instead of recursing.
        }
    }

    private void continueOnWriters() {
        if (writers == null) {
            drain();
        } else {
            Writers.execute(writers, drainTask);
        }
    }

    private void onWritten(Throwable error) {
        long change;
        synchronized (queue) {
            queuedBytes -= inFlightBytes;
            inFlightBytes = 0;
            stalled = false;
            change = recount();
        }
        backlog.add(change);
        lastSeenNanos = System.nanoTime();
        if (error != null) {
            // The socket is gone: drop the client now; the container's own close report is then a no-op.
            transportClosed();
            return;
        }
        if (WRITE_STATE.compareAndSet(this, PENDING, DONE_INLINE)) {
            return; // drain() is still on the stack and loops
        }
        synchronized (queue) {
            if (closeWhenWritten == null && (closed || queue.isEmpty())) {
                writing = false;
                return;
            }
        }
        continueOnWriters();
    }

    /**
     * Marks a client whose write has been pending for {@code stallNanos} as stalled: it stops
     * counting in the backlog (so it cannot hold publishers back) until a write completes.
     */
    void checkStalled(long now, long stallNanos) {
        long change;
        synchronized (queue) {
            if (!writing || stalled || inFlightBytes == 0 || now - writeStartedNanos < stallNanos) {
                return;
            }
            stalled = true;
            change = recount();
        }
        backlog.add(change);
    }

    /** Server-side close: sends the close code, then releases the queue. Idempotent. */
    public void close(Disconnect reason) {
        close(reason, false);
    }

    /**
     * A close decided while a publication is being fanned out (the queue overflowed): the client
     * stops taking frames and its queue is released at once, but the side effects of the close
     * ({@code onClose}: leaving rooms, presence, leave events, which publish to other streams)
     * run on the writer pool. The publisher holds its stream's lock here, and nothing it holds
     * may wait on another stream. Without a pool they run here.
     */
    void closeFromFanOut(Disconnect reason) {
        close(reason, writers != null);
    }

    private void close(Disconnect reason, boolean sideEffectsOnWriters) {
        if (CLOSED.compareAndSet(this, false, true)) {
            stats.closeSent(reason.code());
            releaseQueue();
            try {
                transport.close(reason.code(), reason.reason());
            } finally {
                if (sideEffectsOnWriters) {
                    Writers.execute(writers, () -> onClose.accept(this, reason));
                } else {
                    onClose.accept(this, reason);
                }
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
        if (CLOSED.compareAndSet(this, false, true)) {
            releaseQueue();
            onClose.accept(this, null);
        }
    }

    /** Drops queued frames; the batch on the wire is released when its write completes. */
    private void releaseQueue() {
        long change;
        synchronized (queue) {
            queue.clear();
            queuedBytes = inFlightBytes;
            change = recount();
        }
        backlog.add(change);
    }

    /** Any inbound traffic (frame or pong) proves the peer is alive; so does a completed write. */
    public void onPong() {
        lastSeenNanos = System.nanoTime();
    }

    long lastSeenNanos() {
        return lastSeenNanos;
    }

    /**
     * A ping is due at {@code now}: it is sent if the connection is idle, and either way the
     * connection must show a sign of life from now on (see {@link #pongOverdue}). A connection
     * with a write in flight is not sent one: its writes completing prove it alive, and if they
     * stop completing it is silent and closed as no-pong.
     */
    void ping(long now) {
        long p = pingedNanos;
        if (p == 0 || lastSeenNanos - p >= 0) {
            pingedNanos = now; // the previous ping was answered: this one starts the clock
        }
        boolean idle;
        synchronized (queue) {
            idle = !writing;
        }
        if (idle && !closed) {
            transport.ping();
        }
    }

    /** Whether a ping due {@code timeoutNanos} or more ago has had no sign of life since. */
    boolean pongOverdue(long now, long timeoutNanos) {
        long p = pingedNanos;
        return p != 0 && lastSeenNanos - p < 0 && now - p >= timeoutNanos;
    }

    @Override
    public String toString() {
        return "Client[" + id + ", user=" + userId + "]";
    }
}
