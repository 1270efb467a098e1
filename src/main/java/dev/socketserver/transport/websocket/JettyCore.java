package dev.socketserver.transport.websocket;

import jakarta.websocket.Session;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Jetty's WebSocket core API, reached from a Jakarta {@link Session} by reflection.
 *
 * <p>Why: the Jakarta API sends one message per call and offers batching only with a blocking
 * flush, so every notification would cost Jetty one frame pipeline pass and one system call
 * per recipient, and Jetty would encode the shared {@code String} to UTF-8 again for each one.
 * Jetty's {@code CoreSession} takes ready UTF-8 bytes, aggregates batched frames into one
 * buffer and has an asynchronous {@code flush}: a client's whole queue goes out in one write.
 *
 * <p>Reflection, not a compile-time dependency, because the webapp's class loader hides
 * Jetty's classes in a stock distribution (and Tomcat has none); the classes are looked up
 * through the session's own class loader once per session class. When anything is missing
 * (another container, another Jetty version), {@link #of} is empty and the portable Jakarta
 * path is used.
 */
final class JettyCore {
    private static final Logger LOG = Logger.getLogger(JettyCore.class.getName());
    private static final byte TEXT = 1;
    private static final byte PING = 9;

    private static final ClassValue<Optional<JettyCore>> BY_SESSION_CLASS = new ClassValue<>() {
        @Override
        protected Optional<JettyCore> computeValue(Class<?> type) {
            try {
                return Optional.of(new JettyCore(type));
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.log(Level.FINE, "no Jetty core session behind " + type.getName(), e);
                return Optional.empty();
            }
        }
    };

    private final MethodHandle coreSessionOf;  // (Object session) Object
    private final MethodHandle newFrame;       // (byte, ByteBuffer) Object
    private final MethodHandle sendFrame;      // (Object core, Object frame, Object callback, boolean) void
    private final MethodHandle flush;          // (Object core, Object callback) void
    private final MethodHandle callbackFrom;   // (Object invocationType, Runnable, Consumer) Object
    private final Object noop;
    private final Object nonBlocking;

    private JettyCore(Class<?> sessionClass) throws ReflectiveOperationException {
        ClassLoader loader = sessionClass.getClassLoader();
        if (loader == null || !sessionClass.getName().startsWith("org.eclipse.jetty.")) {
            throw new ClassNotFoundException("not a Jetty session: " + sessionClass.getName());
        }
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Class<?> coreSession = loader.loadClass("org.eclipse.jetty.websocket.core.CoreSession");
        Class<?> frame = loader.loadClass("org.eclipse.jetty.websocket.core.Frame");
        Class<?> callback = loader.loadClass("org.eclipse.jetty.util.Callback");
        Class<?> invocationType = loader.loadClass("org.eclipse.jetty.util.thread.Invocable$InvocationType");

        coreSessionOf = lookup.findVirtual(sessionClass, "getCoreSession", MethodType.methodType(coreSession))
                .asType(MethodType.methodType(Object.class, Object.class));
        newFrame = lookup.findConstructor(frame, MethodType.methodType(void.class, byte.class, ByteBuffer.class))
                .asType(MethodType.methodType(Object.class, byte.class, ByteBuffer.class));
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
    }

    /** The core API behind {@code session}'s class, if it is Jetty's. */
    static Optional<JettyCore> of(Session session) {
        return BY_SESSION_CLASS.get(session.getClass());
    }

    Object coreSession(Session session) {
        try {
            return coreSessionOf.invokeExact((Object) session);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A Jetty callback that runs {@code succeeded} or {@code failed}. Non-blocking: Jetty may call
     * it on its selector thread, so both must return quickly.
     */
    Object callback(Runnable succeeded, Consumer<Throwable> failed) {
        try {
            return callbackFrom.invokeExact(nonBlocking, succeeded, failed);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Queues a whole text frame in batch mode: Jetty aggregates it until {@link #flush}. */
    void sendTextBatched(Object core, byte[] utf8) {
        try {
            Object f = newFrame.invokeExact(TEXT, ByteBuffer.wrap(utf8));
            sendFrame.invokeExact(core, f, noop, true);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Writes everything queued; {@code callback} completes when it is on the wire (or failed). */
    void flush(Object core, Object callback) {
        try {
            flush.invokeExact(core, callback);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sends a ping without waiting for it (Jetty puts control frames ahead of queued data). */
    void ping(Object core) {
        try {
            Object f = newFrame.invokeExact(PING, ByteBuffer.allocate(0));
            sendFrame.invokeExact(core, f, noop, false);
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
