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
 * and the portable Jakarta path is used.
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
            return H.READY && H.SESSION_CLASS.isInstance(session);
        } catch (LinkageError e) {
            LOG.log(Level.FINE, "Jetty's core WebSocket API is not usable", e);
            return false;
        }
    }

    /** Handles, resolved once. */
    private static final class H {
        static final boolean READY;
        static final Class<?> SESSION_CLASS;
        static final MethodHandle CORE_SESSION;   // (Object session) Object
        static final MethodHandle CONNECTION;     // (Object core) Object
        static final MethodHandle NEW_FRAME;      // (byte, ByteBuffer) Object
        static final MethodHandle NEW_ENTRY;      // (Object frame, Object callback) Object  (a Builder)
        static final MethodHandle BATCH;          // (Object builder, boolean) Object
        static final MethodHandle BUILD;          // (Object builder) Object
        static final MethodHandle ENQUEUE;        // (Object connection, Object entry) void
        static final MethodHandle SEND_FRAME;     // (Object core, Object frame, Object callback, boolean) void
        static final MethodHandle FLUSH;          // (Object core, Object callback) void
        static final MethodHandle CALLBACK;       // (Object invocationType, Runnable, Consumer) Object
        /** The connection's frame flusher, where queuing and processing are separate calls; null if not reachable. */
        static final MethodHandle FLUSHER;        // (Object connection) Object
        static final MethodHandle FLUSHER_ENQUEUE; // (Object flusher, Object entry) boolean
        static final MethodHandle ITERATE;        // (Object flusher) void
        static final Object FLUSH_FRAME;
        static final Object NOOP;
        static final Object NON_BLOCKING;

        static {
            boolean ready = false;
            Class<?> sessionClass = null;
            MethodHandle coreSessionOf = null;
            MethodHandle connection = null;
            MethodHandle newFrame = null;
            MethodHandle newEntry = null;
            MethodHandle batch = null;
            MethodHandle build = null;
            MethodHandle enqueue = null;
            MethodHandle sendFrame = null;
            MethodHandle flush = null;
            MethodHandle callbackFrom = null;
            Object noop = null;
            Object nonBlocking = null;
            MethodHandle flusher = null;
            MethodHandle flusherEnqueue = null;
            MethodHandle iterate = null;
            Object flushFrame = null;
            try {
                ClassLoader loader = jettyLoader;
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                sessionClass = loader.loadClass("org.eclipse.jetty.ee10.websocket.jakarta.common.JakartaWebSocketSession");
                Class<?> coreSession = loader.loadClass("org.eclipse.jetty.websocket.core.CoreSession");
                Class<?> coreSessionImpl = loader.loadClass("org.eclipse.jetty.websocket.core.WebSocketCoreSession");
                Class<?> connectionClass = loader.loadClass("org.eclipse.jetty.websocket.core.WebSocketConnection");
                Class<?> frame = loader.loadClass("org.eclipse.jetty.websocket.core.Frame");
                Class<?> entry = loader.loadClass("org.eclipse.jetty.websocket.core.OutgoingEntry");
                Class<?> builder = loader.loadClass("org.eclipse.jetty.websocket.core.OutgoingEntry$Builder");
                Class<?> callback = loader.loadClass("org.eclipse.jetty.util.Callback");
                Class<?> invocationType = loader.loadClass("org.eclipse.jetty.util.thread.Invocable$InvocationType");

                coreSessionOf = lookup.findVirtual(sessionClass, "getCoreSession", MethodType.methodType(coreSession))
                        .asType(MethodType.methodType(Object.class, Object.class));
                connection = lookup.findVirtual(coreSessionImpl, "getConnection", MethodType.methodType(connectionClass))
                        .asType(MethodType.methodType(Object.class, Object.class));
                newFrame = lookup.findConstructor(frame, MethodType.methodType(void.class, byte.class, ByteBuffer.class))
                        .asType(MethodType.methodType(Object.class, byte.class, ByteBuffer.class));
                newEntry = lookup.findConstructor(builder, MethodType.methodType(void.class, frame, callback))
                        .asType(MethodType.methodType(Object.class, Object.class, Object.class));
                batch = lookup.findVirtual(builder, "batch", MethodType.methodType(builder, boolean.class))
                        .asType(MethodType.methodType(Object.class, Object.class, boolean.class));
                build = lookup.findVirtual(builder, "build", MethodType.methodType(entry))
                        .asType(MethodType.methodType(Object.class, Object.class));
                enqueue = lookup.findVirtual(connectionClass, "enqueueFrame", MethodType.methodType(void.class, entry))
                        .asType(MethodType.methodType(void.class, Object.class, Object.class));
                sendFrame = lookup.findVirtual(coreSession, "sendFrame",
                                MethodType.methodType(void.class, frame, callback, boolean.class))
                        .asType(MethodType.methodType(void.class, Object.class, Object.class, Object.class, boolean.class));
                flush = lookup.findVirtual(coreSession, "flush", MethodType.methodType(void.class, callback))
                        .asType(MethodType.methodType(void.class, Object.class, Object.class));
                callbackFrom = lookup.findStatic(callback, "from",
                                MethodType.methodType(callback, invocationType, Runnable.class, Consumer.class))
                        .asType(MethodType.methodType(Object.class, Object.class, Runnable.class, Consumer.class));
                noop = callback.getField("NOOP").get(null);
                nonBlocking = invocationType.getField("NON_BLOCKING").get(null);
                ready = true;
                try {
                    // Optional: queue a whole batch, then process it once (Jetty's enqueueFrame
                    // runs the flusher after every frame). Not public API, so only if it is there.
                    Class<?> frameFlusher = loader.loadClass("org.eclipse.jetty.websocket.core.internal.FrameFlusher");
                    java.lang.reflect.Field f = connectionClass.getDeclaredField("flusher");
                    f.setAccessible(true);
                    MethodHandle get = MethodHandles.lookup().unreflectGetter(f)
                            .asType(MethodType.methodType(Object.class, Object.class));
                    MethodHandle enq = lookup.findVirtual(frameFlusher, "enqueue", MethodType.methodType(boolean.class, entry))
                            .asType(MethodType.methodType(boolean.class, Object.class, Object.class));
                    MethodHandle it = lookup.findVirtual(frameFlusher, "iterate", MethodType.methodType(void.class))
                            .asType(MethodType.methodType(void.class, Object.class));
                    flushFrame = frameFlusher.getField("FLUSH_FRAME").get(null);
                    flusher = get;
                    flusherEnqueue = enq;
                    iterate = it;
                } catch (ReflectiveOperationException | RuntimeException e) {
                    LOG.log(Level.FINE, "Jetty's frame flusher is not reachable; frames are processed one at a time", e);
                    flushFrame = null;
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.log(Level.INFO, "Jetty's core WebSocket API is not usable here; using the Jakarta API", e);
            }
            READY = ready;
            SESSION_CLASS = sessionClass;
            CORE_SESSION = coreSessionOf;
            CONNECTION = connection;
            NEW_FRAME = newFrame;
            NEW_ENTRY = newEntry;
            BATCH = batch;
            BUILD = build;
            ENQUEUE = enqueue;
            SEND_FRAME = sendFrame;
            FLUSH = flush;
            CALLBACK = callbackFrom;
            FLUSHER = flushFrame == null ? null : flusher;
            FLUSHER_ENQUEUE = flushFrame == null ? null : flusherEnqueue;
            ITERATE = flushFrame == null ? null : iterate;
            FLUSH_FRAME = flushFrame;
            NOOP = noop;
            NON_BLOCKING = nonBlocking;
        }
    }

    /** The core session behind a Jakarta session for which {@link #available} said yes. */
    static Object coreSession(Session session) {
        try {
            return H.CORE_SESSION.invokeExact((Object) session);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The connection under a core session. */
    static Object connection(Object core) {
        try {
            return H.CONNECTION.invokeExact(core);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A Jetty callback that runs {@code succeeded} or {@code failed}. Non-blocking: Jetty may call
     * it on its selector thread, so both must return quickly.
     */
    static Object callback(Runnable succeeded, Consumer<Throwable> failed) {
        try {
            return H.CALLBACK.invokeExact(H.NON_BLOCKING, succeeded, failed);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The connection's frame flusher, where a whole batch can be queued and then processed once,
     * or {@code null} when this Jetty does not let us reach it.
     */
    static Object flusher(Object connection) {
        if (H.FLUSHER == null) {
            return null;
        }
        try {
            return H.FLUSHER.invokeExact(connection);
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
                    H.ENQUEUE.invokeExact(connection, textEntry(f));
                }
                H.FLUSH.invokeExact(core, callback);
                return;
            }
            for (Frame f : frames) {
                if (!(boolean) H.FLUSHER_ENQUEUE.invokeExact(flusher, textEntry(f))) {
                    break; // closed: the flush below fails and reports it
                }
            }
            Object flushEntry = H.BUILD.invokeExact(H.NEW_ENTRY.invokeExact(H.FLUSH_FRAME, callback));
            if ((boolean) H.FLUSHER_ENQUEUE.invokeExact(flusher, flushEntry)) {
                H.ITERATE.invokeExact(flusher);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A whole text frame of {@code f}'s shared bytes, in batch mode, completing silently. */
    private static Object textEntry(Frame f) throws Throwable {
        Object frame = H.NEW_FRAME.invokeExact(TEXT, ByteBuffer.wrap(f.utf8()));
        Object builder = H.NEW_ENTRY.invokeExact(frame, H.NOOP);
        return H.BUILD.invokeExact(H.BATCH.invokeExact(builder, true));
    }

    /** Sends a ping without waiting for it (Jetty puts control frames ahead of queued data). */
    static void ping(Object core) {
        try {
            Object f = H.NEW_FRAME.invokeExact(PING, ByteBuffer.allocate(0));
            H.SEND_FRAME.invokeExact(core, f, H.NOOP, false);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
