package dev.socketserver.transport.websocket;

import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tomcat's WebSocket message pipeline below the Jakarta API, reached from a Jakarta
 * {@link Session} by reflection, for batched writes ({@link TomcatWrites}).
 *
 * <p>Why: Tomcat writes each async send with its own socket write, and hands each completion to
 * its executor; one notification per recipient cost one system call and one thread hand-off.
 * Tomcat can gather messages: with batching allowed, each message is copied into the session's
 * output buffer (written whenever it fills) and completes at once. But the Jakarta API's only
 * way to write out what is left, {@code flushBatch()}, blocks until the socket takes it: a
 * client that stopped reading would hold the flushing thread for the blocking-send timeout, and
 * a few of them every writer thread. Tomcat's message pipeline ({@code WsRemoteEndpointImplBase})
 * has the non-blocking form internally: {@code startMessage} with its flush opcode, the same
 * path the async sends take. So a batch is: batching on, each frame's shared UTF-8 bytes through
 * {@code startMessage} (no re-encoding per recipient), batching off, one asynchronous flush.
 *
 * <p>Reached: the session's private {@code wsRemoteEndpoint}, its package-private
 * {@code startMessage(byte, ByteBuffer, boolean, SendHandler)} and private {@code batchingAllowed}
 * flag (switched off without the blocking flush that the public setter does), and the
 * package-private {@code Constants.INTERNAL_OPCODE_FLUSH}; checked on Tomcat 11.0.24. Resolved
 * once, from the first session's class; when anything is missing {@link #available} is false,
 * the portable Jakarta path is used, and the log says once, as a {@code WARNING}, what was
 * missing ({@link #resolve}). {@code WS_WRITE_PATH=portable} keeps this class unused.
 */
final class TomcatCore {
    private static final Logger LOG = Logger.getLogger(TomcatCore.class.getName());
    static final String SESSION_CLASS = "org.apache.tomcat.websocket.WsSession";
    static final byte TEXT = 1;
    static final byte CLOSE = 8;
    static final byte PING = 9;
    /** The first session's class, for the holder's initializer. */
    private static volatile Class<?> sessionType;

    private TomcatCore() {
    }

    /** Whether {@code session} is Tomcat's and its pipeline is reachable; call before any other method. */
    static boolean available(Session session) {
        Class<?> type = session.getClass();
        if (!type.getName().equals(SESSION_CLASS)) {
            return false;
        }
        if (sessionType == null) {
            sessionType = type;
        }
        try {
            return TomcatApi.READY && TomcatApi.SESSION.isInstance(session);
        } catch (LinkageError e) {
            LOG.log(Level.FINE, "Tomcat's WebSocket pipeline is not usable", e);
            return false;
        }
    }

    /** What the batched writes use, resolved once. */
    record Handles(Class<?> session, MethodHandle endpoint, MethodHandle batching, MethodHandle startMessage,
                   byte flushOpcode) {
    }

    /**
     * Resolves the handles from Tomcat's session class; a missing member is one {@code WARNING}
     * naming it (on Tomcat this path is always expected to work).
     *
     * @return null when batched writes cannot be used
     */
    static Handles resolve(Class<?> sessionClass) {
        String version = sessionClass.getPackage() == null ? null : sessionClass.getPackage().getImplementationVersion();
        try {
            return lookup(sessionClass);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Internals.unavailable(LOG, true, "Tomcat " + (version == null ? "(unknown version)" : version),
                    "The batched WebSocket write path (Tomcat's output buffer, one asynchronous flush per batch)",
                    "writes use the Jakarta API, one socket write per frame (more CPU per delivery)", e);
            return null;
        }
    }

    private static Handles lookup(Class<?> sessionClass) throws ReflectiveOperationException {
        Field endpointField = Internals.field(sessionClass, "wsRemoteEndpoint");
        Class<?> endpoint = endpointField.getType();
        MethodHandle startMessage = Internals.method(endpoint, "startMessage",
                        byte.class, ByteBuffer.class, boolean.class, SendHandler.class)
                .asType(MethodType.methodType(void.class, Object.class, byte.class, ByteBuffer.class, boolean.class,
                        SendHandler.class));
        MethodHandle batching = Internals.getter(Internals.field(endpoint, "batchingAllowed", AtomicBoolean.class))
                .asType(MethodType.methodType(AtomicBoolean.class, Object.class));
        Class<?> constants = Class.forName("org.apache.tomcat.websocket.Constants", false, sessionClass.getClassLoader());
        Object flush = Internals.constant(constants, "INTERNAL_OPCODE_FLUSH");
        if (!(flush instanceof Byte b)) {
            throw new NoSuchFieldException(constants.getName() + ".INTERNAL_OPCODE_FLUSH is not a byte");
        }
        return new Handles(sessionClass, Internals.getter(endpointField).asType(MethodType.methodType(Object.class,
                Object.class)), batching, startMessage, b);
    }

    /** The handles as constants (static finals, so the JIT calls them directly). */
    private static final class TomcatApi {
        static final Handles RESOLVED = resolve(sessionType);
        static final boolean READY = RESOLVED != null;
        static final Class<?> SESSION = READY ? RESOLVED.session() : null;
        static final MethodHandle ENDPOINT = READY ? RESOLVED.endpoint() : null;           // (Object session) Object
        static final MethodHandle BATCHING = READY ? RESOLVED.batching() : null;           // (Object endpoint) AtomicBoolean
        static final MethodHandle START_MESSAGE = READY ? RESOLVED.startMessage() : null;  // (endpoint, byte, ByteBuffer, boolean, SendHandler) void
        static final byte FLUSH = READY ? RESOLVED.flushOpcode() : 0;
    }

    /** The session's message pipeline (its remote endpoint), for a session {@link #available} said yes to. */
    static Object endpoint(Session session) {
        try {
            return TomcatApi.ENDPOINT.invokeExact((Object) session);
        } catch (Throwable t) {
            throw Internals.rethrow(t);
        }
    }

    /**
     * The pipeline's batching flag. Set directly: on, each message is copied into the output
     * buffer (written when full) and completes at once; off, messages are written as they come.
     * Switching it off here does not flush (the public setter would, blocking); call
     * {@link #flush} after.
     */
    static AtomicBoolean batching(Object endpoint) {
        try {
            return (AtomicBoolean) TomcatApi.BATCHING.invokeExact(endpoint);
        } catch (Throwable t) {
            throw Internals.rethrow(t);
        }
    }

    /**
     * Sends one whole message (text, ping or close) without blocking; {@code handler} runs when it is
     * buffered or written, possibly on the calling thread. Tomcat queues it behind a message in
     * progress.
     */
    static void send(Object endpoint, byte opcode, ByteBuffer payload, SendHandler handler) {
        try {
            TomcatApi.START_MESSAGE.invokeExact(endpoint, opcode, payload, true, handler);
        } catch (Throwable t) {
            throw Internals.rethrow(t);
        }
    }

    /**
     * Writes the output buffer without blocking; {@code handler} runs once it is on the wire (on
     * Tomcat's executor) or failed.
     */
    static void flush(Object endpoint, SendHandler handler) {
        try {
            TomcatApi.START_MESSAGE.invokeExact(endpoint, TomcatApi.FLUSH, (ByteBuffer) null, true, handler);
        } catch (Throwable t) {
            throw Internals.rethrow(t);
        }
    }
}
