package dev.socketserver.transport.websocket;

import jakarta.servlet.ServletContext;
import jakarta.websocket.Session;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.net.URI;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Lets go of what Jetty 12.1's Jakarta layer keeps for the whole life of a connection but this
 * server never reads after the handshake; a notification server's connections are mostly idle,
 * so their heap is the node's capacity. Three trims, each measured at 10,000 idle connections:
 * <ul>
 *   <li>the HTTP upgrade request in the frame handler (about 5 KB: the request with its headers
 *       and token, and the upgraded HTTP/1.1 connection behind it). Jetty reads it only for
 *       {@code Session.getUserPrincipal()}, which this server never calls;</li>
 *   <li>the session's own registries of Jetty's default decoders and encoders (about 2 KB: 40
 *       registrations and their lists): every session gets one shared pair, emptied first. Jetty
 *       uses them only to find decoders for whole-message handlers and encoders for
 *       {@code sendObject}, neither of which this server uses ({@link WsEndpoint} adds partial
 *       handlers and sends text); and it closes a session's registries when the session closes,
 *       destroying the codec instances they made. Empty registries have nothing to destroy, so
 *       no session's close can reach into another's; code that did use them would fail at once
 *       ("Unable to find Decoder", "No Encoder found"), never at random;</li>
 *   <li>the query string in the negotiated request URI and its decoded parameter map (the
 *       connection token, three times over): the core session gets an equal {@code Negotiated}
 *       without the query, made with Jetty's public constructor, and connections to the same
 *       address share one such URI (about 0.4 KB each otherwise). Only
 *       {@code Session.getQueryString()}, {@code getRequestURI()} and
 *       {@code getRequestParameterMap()} read it; the servlet has read the query already.</li>
 * </ul>
 * Private fields are reached by reflection, so this runs only on Jetty 12.1.*, whose code was
 * checked, and only where every field is found; elsewhere nothing changes. On Jetty 12.1 a
 * missing field is one {@code WARNING} naming it ({@link #resolve}): a Jetty update that moved
 * it must not silently bring back the memory. {@code WS_WRITE_PATH=portable} keeps this class
 * unused.
 */
final class JettyTrim {
    private static final Logger LOG = Logger.getLogger(JettyTrim.class.getName());
    /** The first session's codec registries, emptied, shared by every trimmed session. */
    private static volatile Object sharedDecoders;
    private static volatile Object sharedEncoders;
    /** The last query-less request URI made; connections to the same address share it. */
    private static volatile URI lastBare;
    private static final AtomicBoolean SAID = new AtomicBoolean();

    private JettyTrim() {
    }

    /**
     * Keeps Jetty's CDI integration (the {@code ee10-cdi} module's {@code CdiSpiDecorator})
     * from decorating every WebSocket endpoint instance: Jetty's Jakarta layer passes each new
     * endpoint to the context's object factory, and the CDI decorator then builds a Weld
     * injection target and creational context for it and keeps them in a map until the
     * connection closes (~0.4 KB per connection, and CPU per handshake). The endpoint has
     * nothing to inject (it is built with its collaborators), so the class is added to the
     * decorator's public set of undecoratable class names, once at start-up, through the
     * context's {@code DecoratedObjectFactory} attribute. The same goes for the endpoint's
     * configurator, which Jetty's {@code upgradeHttpToWebSocket} decorates again on every
     * upgrade: each time a Weld injection target, a creational context and a stack walk
     * ({@code Thread.getStackTrace}, Weld finding its caller), all garbage at once, for an
     * object with nothing to inject. Elsewhere (no such attribute or decorator: Tomcat, Jetty
     * without {@code ee10-cdi}) nothing happens.
     */
    static void skipCdiDecoration(ServletContext context, Class<?>... types) {
        Object factory = context.getAttribute("org.eclipse.jetty.util.DecoratedObjectFactory");
        if (factory == null) {
            return;
        }
        try {
            for (Object d : (List<?>) factory.getClass().getMethod("getDecorators").invoke(factory)) {
                if (d.getClass().getName().endsWith(".CdiSpiDecorator")) {
                    @SuppressWarnings("unchecked")
                    Set<String> skip = (Set<String>) d.getClass().getMethod("getUndecoratable").invoke(d);
                    for (Class<?> type : types) {
                        skip.add(type.getName());
                    }
                    LOG.info("WebSocket endpoints are not decorated by Jetty's CDI integration, nor their"
                            + " configurator (nothing to inject; saves a Weld injection target per connection"
                            + " and work per handshake)");
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            String version = JettyCore.version(factory.getClass().getClassLoader());
            Internals.unavailable(LOG, JettyCore.expected(version), "Jetty " + version,
                    "Skipping Jetty's CDI decoration of WebSocket endpoints",
                    "every connection keeps a Weld injection target (~0.4 KB of heap)", e);
        }
    }

    /**
     * Trims {@code session} (whose core session is {@code core}); call in {@code onOpen}, before
     * adding message handlers.
     */
    static void apply(Session session, Object core) {
        if (!JettyFields.READY) {
            return;
        }
        try {
            Object handler = JettyFields.FRAME_HANDLER.get(session);
            if (handler != null) {
                JettyFields.UPGRADE_REQUEST.set(handler, null);
            }
            shareCodecs(session);
            dropQuery(core);
            if (!SAID.getAndSet(true)) {
                LOG.info("WebSocket sessions trimmed for idle memory (Jetty 12.1: upgrade request released,"
                        + " one empty pair of codec registries shared, query dropped from the negotiated URI)");
            }
        } catch (Throwable t) {
            // The lookups succeeded, so this is a session in an unexpected state; it keeps its memory.
            LOG.log(Level.FINE, "could not trim a Jetty session", t);
        }
    }

    private static void shareCodecs(Session session) throws IllegalAccessException {
        Object decoders = sharedDecoders;
        Object encoders = sharedEncoders;
        if (decoders == null) {
            synchronized (JettyTrim.class) {
                if (sharedDecoders == null) {
                    Object d = JettyFields.DECODERS.get(session);
                    Object e = JettyFields.ENCODERS.get(session);
                    for (Iterator<?> it = ((Iterable<?>) d).iterator(); it.hasNext(); ) {
                        it.next();
                        it.remove();
                    }
                    ((List<?>) JettyFields.ENCODER_LIST.get(e)).clear();
                    sharedEncoders = e;
                    sharedDecoders = d; // last: the unsynchronized read above checks this one
                }
                decoders = sharedDecoders;
                encoders = sharedEncoders;
            }
        }
        JettyFields.DECODERS.set(session, decoders);
        JettyFields.ENCODERS.set(session, encoders);
    }

    private static void dropQuery(Object core) throws Throwable {
        if (!JettyFields.CORE_SESSION_CLASS.isInstance(core)) {
            return;
        }
        Object negotiated = JettyFields.NEGOTIATED.get(core);
        URI uri = (URI) JettyFields.REQUEST_URI.invokeExact(negotiated);
        if (uri == null || uri.getRawQuery() == null) {
            return;
        }
        String s = uri.toString();
        String bareText = s.substring(0, s.indexOf('?'));
        URI bare = lastBare;
        if (bare == null || !bare.toString().equals(bareText)) {
            lastBare = bare = URI.create(bareText);
        }
        Object copy = JettyFields.NEW_NEGOTIATED.invokeExact(bare, (String) JettyFields.SUB_PROTOCOL.invokeExact(negotiated),
                (boolean) JettyFields.SECURE.invokeExact(negotiated), JettyFields.EXTENSIONS.invokeExact(negotiated),
                (String) JettyFields.PROTOCOL_VERSION.invokeExact(negotiated));
        JettyFields.NEGOTIATED.set(core, copy);
    }

    /** What the trims use, resolved once. */
    record Fields(Field frameHandler, Field upgradeRequest, Field decoders, Field encoders, Field encoderList,
                  Class<?> coreSession, Field negotiated, MethodHandle requestUri, MethodHandle subProtocol,
                  MethodHandle secure, MethodHandle extensions, MethodHandle protocolVersion,
                  MethodHandle newNegotiated) {
    }

    /**
     * Resolves the fields from {@code loader} (Jetty's). Only Jetty 12.1.* is trimmed; there a
     * missing member is reported through {@link Internals#unavailable} as one {@code WARNING}.
     *
     * @return null when sessions are not trimmed here
     */
    static Fields resolve(ClassLoader loader) {
        String version = JettyCore.version(loader);
        String jetty = "Jetty " + (version == null ? "(unknown version)" : version);
        if (!JettyCore.expected(version)) {
            LOG.fine(jetty + ": idle-session trims are checked on Jetty 12.1 only; sessions are not trimmed");
            return null;
        }
        try {
            return lookup(loader);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Internals.unavailable(LOG, true, jetty, "Trimming idle WebSocket sessions",
                    "each connection keeps ~8 KB more heap (upgrade request, codec registries, token-bearing URI)", e);
            return null;
        }
    }

    private static Fields lookup(ClassLoader loader) throws ReflectiveOperationException {
        Class<?> session = loader.loadClass("org.eclipse.jetty.ee10.websocket.jakarta.common.JakartaWebSocketSession");
        Field frameHandler = Internals.field(session, "frameHandler");
        Field upgradeRequest = Internals.field(frameHandler.getType(), "upgradeRequest");
        Field decoders = Internals.field(session, "availableDecoders", Iterable.class);
        Field encoders = Internals.field(session, "availableEncoders");
        Field encoderList = Internals.field(encoders.getType(), "registeredEncoders", List.class);
        Class<?> coreSession = loader.loadClass("org.eclipse.jetty.websocket.core.WebSocketCoreSession");
        Field negotiatedField = Internals.field(coreSession, "negotiated");
        Class<?> negotiated = negotiatedField.getType();
        Class<?> extensionStack = loader.loadClass("org.eclipse.jetty.websocket.core.ExtensionStack");
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        MethodType anyOf = MethodType.methodType(Object.class, Object.class);
        return new Fields(frameHandler, upgradeRequest, decoders, encoders, encoderList, coreSession, negotiatedField,
                lookup.findVirtual(negotiated, "getRequestURI", MethodType.methodType(URI.class))
                        .asType(MethodType.methodType(URI.class, Object.class)),
                lookup.findVirtual(negotiated, "getSubProtocol", MethodType.methodType(String.class))
                        .asType(MethodType.methodType(String.class, Object.class)),
                lookup.findVirtual(negotiated, "isSecure", MethodType.methodType(boolean.class))
                        .asType(MethodType.methodType(boolean.class, Object.class)),
                lookup.findVirtual(negotiated, "getExtensions", MethodType.methodType(extensionStack)).asType(anyOf),
                lookup.findVirtual(negotiated, "getProtocolVersion", MethodType.methodType(String.class))
                        .asType(MethodType.methodType(String.class, Object.class)),
                lookup.findConstructor(negotiated, MethodType.methodType(void.class,
                                URI.class, String.class, boolean.class, extensionStack, String.class))
                        .asType(MethodType.methodType(Object.class, URI.class, String.class, boolean.class,
                                Object.class, String.class)));
    }

    /** The fields and handles as constants, resolved once from {@link JettyCore#jettyLoader}; READY only if all are found. */
    private static final class JettyFields {
        static final Fields RESOLVED = resolve(JettyCore.jettyLoader);
        static final boolean READY = RESOLVED != null;
        static final Field FRAME_HANDLER = READY ? RESOLVED.frameHandler() : null;
        static final Field UPGRADE_REQUEST = READY ? RESOLVED.upgradeRequest() : null;
        static final Field DECODERS = READY ? RESOLVED.decoders() : null;
        static final Field ENCODERS = READY ? RESOLVED.encoders() : null;
        static final Field ENCODER_LIST = READY ? RESOLVED.encoderList() : null;
        static final Class<?> CORE_SESSION_CLASS = READY ? RESOLVED.coreSession() : null;
        static final Field NEGOTIATED = READY ? RESOLVED.negotiated() : null;
        static final MethodHandle REQUEST_URI = READY ? RESOLVED.requestUri() : null;           // (Object) URI
        static final MethodHandle SUB_PROTOCOL = READY ? RESOLVED.subProtocol() : null;         // (Object) String
        static final MethodHandle SECURE = READY ? RESOLVED.secure() : null;                    // (Object) boolean
        static final MethodHandle EXTENSIONS = READY ? RESOLVED.extensions() : null;            // (Object) Object
        static final MethodHandle PROTOCOL_VERSION = READY ? RESOLVED.protocolVersion() : null; // (Object) String
        static final MethodHandle NEW_NEGOTIATED = READY ? RESOLVED.newNegotiated() : null;     // (URI, String, boolean, Object, String) Object
    }
}
