package dev.socketserver.transport.websocket;

import dev.socketserver.message.Frame;
import jakarta.websocket.Session;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Jetty's WebSocket core API, reached from a Jakarta {@link Session} by reflection.
 *
 * <p>Why: the Jakarta API sends one message per call and offers batching only with a blocking
 * flush, so every notification would cost Jetty one frame pipeline pass and one system call
 * per recipient, and Jetty would encode the shared {@code String} to UTF-8 again for each one.
 * Through the core API a client's queued frames (their shared UTF-8 bytes, unchanged) go to
 * the connection's frame flusher in batch mode, which aggregates them into one buffer, and one
 * asynchronous flush writes them: usually one system call per batch. The data frames skip the
 * session's own outgoing queue (an extra lock and hand-off per frame) and go to the connection
 * directly; that is safe because no extension is ever negotiated and the frames are whole,
 * valid text frames. Flushes, pings and closes go through the session.
 *
 * <p>The write path uses Jetty's public API ({@code CoreSession}, {@code WebSocketConnection},
 * {@code OutgoingEntry}, {@code Frame}, {@code Callback}); one optional step reaches further and
 * is skipped when its members are missing: the connection's private frame flusher (to queue
 * a whole batch before processing it). Memory trims for idle connections are {@link JettyTrim}'s.
 * All of it goes by reflection rather than a
 * compile-time dependency because the webapp's class loader hides Jetty's classes in a stock
 * distribution (and Tomcat has none). The method handles are static finals of a holder class,
 * initialized once from the first session's class loader, so the JIT calls them directly. When
 * anything is missing (another container, another Jetty version), {@link #available} is false
 * and the portable Jakarta path is used; on Jetty 12.1, where everything was checked, that is
 * one {@code WARNING} naming the missing member ({@link #resolve}). {@code WS_WRITE_PATH=portable}
 * keeps this class unused.
 */
final class JettyCore {
    private static final Logger LOG = Logger.getLogger(JettyCore.class.getName());
    private static final byte TEXT = 1;
    private static final byte PING = 9;
    /** Jetty's class loader, for the holders' initializers (here and in {@link JettyTrim}). */
    static volatile ClassLoader jettyLoader;

    private JettyCore() {
    }

    /** Whether {@code session} is Jetty's and its core API is usable; call before any other method. */
    static boolean available(Session session) {
        Class<?> type = session.getClass();
        if (!type.getName().startsWith("org.eclipse.jetty.") || type.getClassLoader() == null) {
            return false;
        }
        if (jettyLoader == null) {
            jettyLoader = type.getClassLoader();
        }
        try {
            return JettyApi.READY && JettyApi.SESSION_CLASS.isInstance(session);
        } catch (LinkageError e) {
            LOG.log(Level.FINE, "Jetty's core WebSocket API is not usable", e);
            return false;
        }
    }

    /** Jetty's version as {@code loader} sees it ({@code org.eclipse.jetty.util.Jetty.VERSION}), or null. */
    static String version(ClassLoader loader) {
        try {
            return (String) loader.loadClass("org.eclipse.jetty.util.Jetty").getField("VERSION").get(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /**
     * Whether the shortcuts were written for this Jetty: 12.1.*, whose code was checked. There a
     * failed lookup is a {@code WARNING}; on other versions it is expected.
     */
    static boolean expected(String version) {
        return version != null && version.startsWith("12.1.");
    }

    /**
     * What the write path uses, resolved once. The frame flusher's three members are optional:
     * {@code flusherMissing} says why they are null.
     */
    record Handles(Class<?> sessionClass, MethodHandle coreSession, MethodHandle connection, MethodHandle newFrame,
                   MethodHandle newEntry, MethodHandle batch, MethodHandle build, MethodHandle enqueue,
                   MethodHandle sendFrame, MethodHandle flush, MethodHandle callback, Object noop,
                   Object nonBlocking, MethodHandle flusher, MethodHandle flusherEnqueue, MethodHandle iterate,
                   Object flushFrame, Throwable flusherMissing) {
    }

    /**
     * Resolves the handles from {@code loader} (Jetty's), reporting what is missing through
     * {@link Internals#unavailable}: a {@code WARNING} on Jetty 12.1 (see {@link #expected}).
     *
     * @return null when the write path cannot be used at all
     */
    static Handles resolve(ClassLoader loader) {
        String version = version(loader);
        String jetty = "Jetty " + (version == null ? "(unknown version)" : version);
        try {
            Handles h = lookup(loader);
            if (h.flusherMissing() != null) {
                Internals.unavailable(LOG, expected(version), jetty,
                        "Queuing a whole batch in Jetty's frame flusher",
                        "each frame is processed as it is queued (more CPU per delivery)", h.flusherMissing());
            }
            return h;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Internals.unavailable(LOG, expected(version), jetty, "The batched WebSocket write path (Jetty's core API)",
                    "writes use the Jakarta API, one send per frame (more CPU per delivery)", e);
            return null;
        }
    }

    private static Handles lookup(ClassLoader loader) throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Class<?> sessionClass = loader.loadClass("org.eclipse.jetty.ee10.websocket.jakarta.common.JakartaWebSocketSession");
        Class<?> coreSession = loader.loadClass("org.eclipse.jetty.websocket.core.CoreSession");
        Class<?> coreSessionImpl = loader.loadClass("org.eclipse.jetty.websocket.core.WebSocketCoreSession");
        Class<?> connectionClass = loader.loadClass("org.eclipse.jetty.websocket.core.WebSocketConnection");
        Class<?> frame = loader.loadClass("org.eclipse.jetty.websocket.core.Frame");
        Class<?> entry = loader.loadClass("org.eclipse.jetty.websocket.core.OutgoingEntry");
        Class<?> builder = loader.loadClass("org.eclipse.jetty.websocket.core.OutgoingEntry$Builder");
        Class<?> callback = loader.loadClass("org.eclipse.jetty.util.Callback");
        Class<?> invocationType = loader.loadClass("org.eclipse.jetty.util.thread.Invocable$InvocationType");
        MethodType anyOf = MethodType.methodType(Object.class, Object.class);

        MethodHandle coreSessionOf = lookup.findVirtual(sessionClass, "getCoreSession", MethodType.methodType(coreSession))
                .asType(anyOf);
        MethodHandle connection = lookup.findVirtual(coreSessionImpl, "getConnection", MethodType.methodType(connectionClass))
                .asType(anyOf);
        MethodHandle newFrame = lookup.findConstructor(frame, MethodType.methodType(void.class, byte.class, ByteBuffer.class))
                .asType(MethodType.methodType(Object.class, byte.class, ByteBuffer.class));
        MethodHandle newEntry = lookup.findConstructor(builder, MethodType.methodType(void.class, frame, callback))
                .asType(MethodType.methodType(Object.class, Object.class, Object.class));
        MethodHandle batch = lookup.findVirtual(builder, "batch", MethodType.methodType(builder, boolean.class))
                .asType(MethodType.methodType(Object.class, Object.class, boolean.class));
        MethodHandle build = lookup.findVirtual(builder, "build", MethodType.methodType(entry)).asType(anyOf);
        MethodHandle enqueue = lookup.findVirtual(connectionClass, "enqueueFrame", MethodType.methodType(void.class, entry))
                .asType(MethodType.methodType(void.class, Object.class, Object.class));
        MethodHandle sendFrame = lookup.findVirtual(coreSession, "sendFrame",
                        MethodType.methodType(void.class, frame, callback, boolean.class))
                .asType(MethodType.methodType(void.class, Object.class, Object.class, Object.class, boolean.class));
        MethodHandle flush = lookup.findVirtual(coreSession, "flush", MethodType.methodType(void.class, callback))
                .asType(MethodType.methodType(void.class, Object.class, Object.class));
        MethodHandle callbackFrom = lookup.findStatic(callback, "from",
                        MethodType.methodType(callback, invocationType, Runnable.class, Consumer.class))
                .asType(MethodType.methodType(Object.class, Object.class, Runnable.class, Consumer.class));
        Object noop = callback.getField("NOOP").get(null);
        Object nonBlocking = invocationType.getField("NON_BLOCKING").get(null);

        // Optional: queue a whole batch, then process it once (Jetty's enqueueFrame runs the
        // flusher after every frame). The flusher is a private field, so only if it is there.
        MethodHandle flusher = null;
        MethodHandle flusherEnqueue = null;
        MethodHandle iterate = null;
        Object flushFrame = null;
        Throwable flusherMissing = null;
        try {
            Class<?> frameFlusher = loader.loadClass("org.eclipse.jetty.websocket.core.internal.FrameFlusher");
            MethodHandle get = Internals.getter(Internals.field(connectionClass, "flusher", frameFlusher)).asType(anyOf);
            MethodHandle enq = lookup.findVirtual(frameFlusher, "enqueue", MethodType.methodType(boolean.class, entry))
                    .asType(MethodType.methodType(boolean.class, Object.class, Object.class));
            MethodHandle it = lookup.findVirtual(frameFlusher, "iterate", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            flushFrame = frameFlusher.getField("FLUSH_FRAME").get(null);
            flusher = get;
            flusherEnqueue = enq;
            iterate = it;
        } catch (ReflectiveOperationException | RuntimeException e) {
            flushFrame = null;
            flusherMissing = e;
        }
        return new Handles(sessionClass, coreSessionOf, connection, newFrame, newEntry, batch, build, enqueue,
                sendFrame, flush, callbackFrom, noop, nonBlocking, flusher, flusherEnqueue, iterate, flushFrame,
                flusherMissing);
    }

    /** Handles as constants (static finals, so the JIT calls them directly), resolved once from {@link #jettyLoader}. */
    private static final class JettyApi {
        static final Handles RESOLVED = resolve(jettyLoader);
        static final boolean READY = RESOLVED != null;
        static final Class<?> SESSION_CLASS = READY ? RESOLVED.sessionClass() : null;
        static final MethodHandle CORE_SESSION = READY ? RESOLVED.coreSession() : null;       // (Object session) Object
        static final MethodHandle CONNECTION = READY ? RESOLVED.connection() : null;          // (Object core) Object
        static final MethodHandle NEW_FRAME = READY ? RESOLVED.newFrame() : null;             // (byte, ByteBuffer) Object
        static final MethodHandle NEW_ENTRY = READY ? RESOLVED.newEntry() : null;             // (Object frame, Object callback) Object
        static final MethodHandle BATCH = READY ? RESOLVED.batch() : null;                    // (Object builder, boolean) Object
        static final MethodHandle BUILD = READY ? RESOLVED.build() : null;                    // (Object builder) Object
        static final MethodHandle ENQUEUE = READY ? RESOLVED.enqueue() : null;                // (Object connection, Object entry) void
        static final MethodHandle SEND_FRAME = READY ? RESOLVED.sendFrame() : null;           // (core, frame, callback, boolean) void
        static final MethodHandle FLUSH = READY ? RESOLVED.flush() : null;                    // (Object core, Object callback) void
        static final MethodHandle CALLBACK = READY ? RESOLVED.callback() : null;              // (invocationType, Runnable, Consumer) Object
        /** The connection's frame flusher, where queuing and processing are separate calls; null if not reachable. */
        static final MethodHandle FLUSHER = READY ? RESOLVED.flusher() : null;                // (Object connection) Object
        static final MethodHandle FLUSHER_ENQUEUE = READY ? RESOLVED.flusherEnqueue() : null; // (Object flusher, Object entry) boolean
        static final MethodHandle ITERATE = READY ? RESOLVED.iterate() : null;                // (Object flusher) void
        static final Object FLUSH_FRAME = READY ? RESOLVED.flushFrame() : null;
        static final Object NOOP = READY ? RESOLVED.noop() : null;
        static final Object NON_BLOCKING = READY ? RESOLVED.nonBlocking() : null;
    }

    /** The core session behind a Jakarta session for which {@link #available} said yes. */
    static Object coreSession(Session session) {
        try {
            return JettyApi.CORE_SESSION.invokeExact((Object) session);
        } catch (Throwable t) {
            throw Internals.rethrow(t);
        }
    }

    /** The connection under a core session. */
    static Object connection(Object core) {
        try {
            return JettyApi.CONNECTION.invokeExact(core);
        } catch (Throwable t) {
            throw Internals.rethrow(t);
        }
    }

    /**
     * A Jetty callback that runs {@code succeeded} or {@code failed}. Non-blocking: Jetty may call
     * it on its selector thread, so both must return quickly.
     */
    static Object callback(Runnable succeeded, Consumer<Throwable> failed) {
        try {
            return JettyApi.CALLBACK.invokeExact(JettyApi.NON_BLOCKING, succeeded, failed);
        } catch (Throwable t) {
            throw Internals.rethrow(t);
        }
    }

    /**
     * The connection's frame flusher, where a whole batch can be queued and then processed once,
     * or {@code null} when this Jetty does not let us reach it.
     */
    static Object flusher(Object connection) {
        if (JettyApi.FLUSHER == null) {
            return null;
        }
        try {
            return JettyApi.FLUSHER.invokeExact(connection);
        } catch (Throwable t) {
            return null;
        }
    }

    /**
     * Writes a batch of text frames: each frame's shared UTF-8 bytes are queued in batch mode
     * (Jetty aggregates them into one buffer), then a flush; {@code callback} completes when they
     * are on the wire (or failed). With the connection's frame {@code flusher} (see
     * {@link #flusher}) everything is queued first and processed in one pass; without it each
     * frame goes to the connection, which processes it at once, and the flush to the session.
     */
    static void write(Object core, Object connection, Object flusher, List<Frame> frames, Object callback) {
        try {
            if (flusher == null) {
                for (Frame f : frames) {
                    JettyApi.ENQUEUE.invokeExact(connection, textEntry(f));
                }
                JettyApi.FLUSH.invokeExact(core, callback);
                return;
            }
            if (frames.size() == 1) {
                // The usual case at low rates: one frame, queued unbatched with the completion
                // itself. Jetty then writes its header and the shared bytes as they are (no
                // copy into an aggregate buffer, no separate flush entry to queue and skip).
                Object entry = JettyApi.BUILD.invokeExact(JettyApi.NEW_ENTRY.invokeExact(frameOf(frames.get(0)), callback));
                if ((boolean) JettyApi.FLUSHER_ENQUEUE.invokeExact(flusher, entry)) {
                    JettyApi.ITERATE.invokeExact(flusher);
                }
                return;
            }
            for (Frame f : frames) {
                if (!(boolean) JettyApi.FLUSHER_ENQUEUE.invokeExact(flusher, textEntry(f))) {
                    break; // closed: the flush below fails and reports it
                }
            }
            Object flushEntry = JettyApi.BUILD.invokeExact(JettyApi.NEW_ENTRY.invokeExact(JettyApi.FLUSH_FRAME, callback));
            if ((boolean) JettyApi.FLUSHER_ENQUEUE.invokeExact(flusher, flushEntry)) {
                JettyApi.ITERATE.invokeExact(flusher);
            }
        } catch (Throwable t) {
            throw Internals.rethrow(t);
        }
    }

    /** A whole text frame of {@code f}'s shared bytes, in batch mode, completing silently. */
    private static Object textEntry(Frame f) throws Throwable {
        Object builder = JettyApi.NEW_ENTRY.invokeExact(frameOf(f), JettyApi.NOOP);
        return JettyApi.BUILD.invokeExact(JettyApi.BATCH.invokeExact(builder, true));
    }

    /** A whole text frame of {@code f}'s shared bytes. */
    private static Object frameOf(Frame f) throws Throwable {
        return JettyApi.NEW_FRAME.invokeExact(TEXT, ByteBuffer.wrap(f.utf8()));
    }

    /** Sends a ping without waiting for it (Jetty puts control frames ahead of queued data). */
    static void ping(Object core) {
        try {
            Object f = JettyApi.NEW_FRAME.invokeExact(PING, ByteBuffer.allocate(0));
            JettyApi.SEND_FRAME.invokeExact(core, f, JettyApi.NOOP, false);
        } catch (Throwable t) {
            throw Internals.rethrow(t);
        }
    }
}
