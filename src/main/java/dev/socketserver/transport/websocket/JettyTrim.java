package dev.socketserver.transport.websocket;

import jakarta.servlet.ServletContext;
import jakarta.websocket.Session;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
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
 *   <li>the session's own registry of Jetty's default decoders and encoders (about 2 KB: 40
 *       registrations and their lists): every session gets the first one's. They are Jetty's
 *       stateless primitive codecs ({@link UpgradeServlet}'s endpoint declares none), made lazily
 *       and only for text and binary handlers; closing a session destroys nothing that holds
 *       state;</li>
 *   <li>the query string in the negotiated request URI and its decoded parameter map (the
 *       connection token, three times over): the core session gets an equal {@code Negotiated}
 *       without the query, made with Jetty's public constructor, and connections to the same
 *       address share one such URI (about 0.4 KB each otherwise). Only
 *       {@code Session.getQueryString()}, {@code getRequestURI()} and
 *       {@code getRequestParameterMap()} read it; the servlet has read the query already.</li>
 * </ul>
 * Private fields are reached by reflection, so this runs only on Jetty 12.1.*, whose code was
 * checked, and only where every field is found; elsewhere nothing changes.
 */
final class JettyTrim {
    private static final Logger LOG = Logger.getLogger(JettyTrim.class.getName());
    /** The first session's codec registries, shared by the sessions after it. */
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
     * context's {@code DecoratedObjectFactory} attribute. Elsewhere (no such attribute or
     * decorator: Tomcat, Jetty without {@code ee10-cdi}) nothing happens.
     */
    static void skipCdiDecoration(ServletContext context, Class<?> endpoint) {
        Object factory = context.getAttribute("org.eclipse.jetty.util.DecoratedObjectFactory");
        if (factory == null) {
            return;
        }
        try {
            for (Object d : (List<?>) factory.getClass().getMethod("getDecorators").invoke(factory)) {
                if (d.getClass().getName().endsWith(".CdiSpiDecorator")) {
                    @SuppressWarnings("unchecked")
                    Set<String> skip = (Set<String>) d.getClass().getMethod("getUndecoratable").invoke(d);
                    skip.add(endpoint.getName());
                    LOG.info("WebSocket endpoints are not decorated by Jetty's CDI integration (nothing to inject;"
                            + " saves a Weld injection target per connection)");
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.FINE, "Jetty's CDI decorator left as it is", e);
        }
    }

    /**
     * Trims {@code session} (whose core session is {@code core}); call in {@code onOpen}, before
     * adding message handlers, so that they use the shared codecs.
     */
    static void apply(Session session, Object core) {
        if (!F.READY) {
            return;
        }
        try {
            Object handler = F.FRAME_HANDLER.get(session);
            if (handler != null) {
                F.UPGRADE_REQUEST.set(handler, null);
            }
            shareCodecs(session);
            dropQuery(core);
            if (!SAID.getAndSet(true)) {
                LOG.info("WebSocket sessions trimmed for idle memory (Jetty 12.1: upgrade request released,"
                        + " default codecs shared, query dropped from the negotiated URI)");
            }
        } catch (Throwable t) {
            LOG.log(Level.FINE, "could not trim a Jetty session", t);
        }
    }

    private static void shareCodecs(Session session) throws IllegalAccessException {
        Object decoders = sharedDecoders;
        Object encoders = sharedEncoders;
        if (decoders == null || encoders == null) {
            synchronized (JettyTrim.class) {
                if (sharedDecoders == null) {
                    sharedEncoders = F.ENCODERS.get(session);
                    sharedDecoders = F.DECODERS.get(session);
                }
            }
            return;
        }
        F.DECODERS.set(session, decoders);
        F.ENCODERS.set(session, encoders);
    }

    private static void dropQuery(Object core) throws Throwable {
        if (!F.CORE_SESSION_CLASS.isInstance(core)) {
            return;
        }
        Object negotiated = F.NEGOTIATED.get(core);
        URI uri = (URI) F.REQUEST_URI.invokeExact(negotiated);
        if (uri == null || uri.getRawQuery() == null) {
            return;
        }
        String s = uri.toString();
        String bareText = s.substring(0, s.indexOf('?'));
        URI bare = lastBare;
        if (bare == null || !bare.toString().equals(bareText)) {
            lastBare = bare = URI.create(bareText);
        }
        Object copy = F.NEW_NEGOTIATED.invokeExact(bare, (String) F.SUB_PROTOCOL.invokeExact(negotiated),
                (boolean) F.SECURE.invokeExact(negotiated), F.EXTENSIONS.invokeExact(negotiated),
                (String) F.PROTOCOL_VERSION.invokeExact(negotiated));
        F.NEGOTIATED.set(core, copy);
    }

    /** Fields and handles, resolved once from Jetty's class loader; READY only if all are found. */
    private static final class F {
        static final boolean READY;
        static final Field FRAME_HANDLER;
        static final Field UPGRADE_REQUEST;
        static final Field DECODERS;
        static final Field ENCODERS;
        static final Class<?> CORE_SESSION_CLASS;
        static final Field NEGOTIATED;
        static final MethodHandle REQUEST_URI;      // (Object) URI
        static final MethodHandle SUB_PROTOCOL;     // (Object) String
        static final MethodHandle SECURE;           // (Object) boolean
        static final MethodHandle EXTENSIONS;       // (Object) Object
        static final MethodHandle PROTOCOL_VERSION; // (Object) String
        static final MethodHandle NEW_NEGOTIATED;   // (URI, String, boolean, Object, String) Object

        static {
            boolean ready = false;
            Field frameHandler = null;
            Field upgradeRequest = null;
            Field decoders = null;
            Field encoders = null;
            Class<?> coreSession = null;
            Field negotiatedField = null;
            MethodHandle requestUri = null;
            MethodHandle subProtocol = null;
            MethodHandle secure = null;
            MethodHandle extensions = null;
            MethodHandle protocolVersion = null;
            MethodHandle newNegotiated = null;
            try {
                ClassLoader loader = JettyCore.jettyLoader;
                String version = (String) loader.loadClass("org.eclipse.jetty.util.Jetty").getField("VERSION").get(null);
                if (version == null || !version.startsWith("12.1.")) {
                    throw new ClassNotFoundException("Jetty " + version + ": trims are checked on 12.1 only");
                }
                Class<?> session = loader.loadClass("org.eclipse.jetty.ee10.websocket.jakarta.common.JakartaWebSocketSession");
                frameHandler = instanceField(session, "frameHandler");
                upgradeRequest = instanceField(frameHandler.getType(), "upgradeRequest");
                decoders = instanceField(session, "availableDecoders");
                encoders = instanceField(session, "availableEncoders");
                coreSession = loader.loadClass("org.eclipse.jetty.websocket.core.WebSocketCoreSession");
                negotiatedField = instanceField(coreSession, "negotiated");
                Class<?> negotiated = negotiatedField.getType();
                Class<?> extensionStack = loader.loadClass("org.eclipse.jetty.websocket.core.ExtensionStack");
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                MethodType anyOf = MethodType.methodType(Object.class, Object.class);
                requestUri = lookup.findVirtual(negotiated, "getRequestURI", MethodType.methodType(URI.class))
                        .asType(MethodType.methodType(URI.class, Object.class));
                subProtocol = lookup.findVirtual(negotiated, "getSubProtocol", MethodType.methodType(String.class))
                        .asType(MethodType.methodType(String.class, Object.class));
                secure = lookup.findVirtual(negotiated, "isSecure", MethodType.methodType(boolean.class))
                        .asType(MethodType.methodType(boolean.class, Object.class));
                extensions = lookup.findVirtual(negotiated, "getExtensions", MethodType.methodType(extensionStack))
                        .asType(anyOf);
                protocolVersion = lookup.findVirtual(negotiated, "getProtocolVersion", MethodType.methodType(String.class))
                        .asType(MethodType.methodType(String.class, Object.class));
                newNegotiated = lookup.findConstructor(negotiated, MethodType.methodType(void.class,
                                URI.class, String.class, boolean.class, extensionStack, String.class))
                        .asType(MethodType.methodType(Object.class, URI.class, String.class, boolean.class,
                                Object.class, String.class));
                ready = true;
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.log(Level.FINE, "Jetty sessions are not trimmed here", e);
            }
            READY = ready;
            FRAME_HANDLER = frameHandler;
            UPGRADE_REQUEST = upgradeRequest;
            DECODERS = decoders;
            ENCODERS = encoders;
            CORE_SESSION_CLASS = coreSession;
            NEGOTIATED = negotiatedField;
            REQUEST_URI = requestUri;
            SUB_PROTOCOL = subProtocol;
            SECURE = secure;
            EXTENSIONS = extensions;
            PROTOCOL_VERSION = protocolVersion;
            NEW_NEGOTIATED = newNegotiated;
        }

        private static Field instanceField(Class<?> type, String name) throws NoSuchFieldException {
            Field f = type.getDeclaredField(name);
            if (Modifier.isStatic(f.getModifiers())) {
                throw new NoSuchFieldException(type.getName() + "." + name + " is static");
            }
            f.setAccessible(true);
            return f;
        }
    }
}
