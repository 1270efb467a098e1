package dev.socketserver.transport.websocket;

import dev.socketserver.auth.Principal;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.transport.http.HttpErrors;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import dev.socketserver.message.Identifiers;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * {@code GET /ws}: every check that can refuse a connection happens here, as an HTTP status
 * before the upgrade (400 not a WebSocket request, 403 origin not allowed, 401 no or bad token,
 * 503 draining or over a connection limit). Only then is the request upgraded, to an endpoint
 * that already knows its user and owns one of the user's {@link UserSlots slots}.
 *
 * <p>One {@link ServerEndpointConfig} and one {@link ServerEndpointConfig.Configurator} serve
 * every connection. What the checks found ({@link Admitted}) reaches the endpoint through the
 * connection's own user properties: both containers call {@code modifyHandshake} with the
 * per-connection config on the thread that calls {@code upgradeHttpToWebSocket}, before it
 * returns ({@link #PENDING} carries it there), and pass that config to {@code onOpen}. (Tomcat
 * creates the endpoint instance later, on another thread, so the instance itself cannot be
 * handed over.) A config and configurator per connection cost ~220 bytes per connection for as
 * long as it was open, and each new configurator looked up the container's default
 * configurator with a {@code ServiceLoader} scan of the webapp's jars: handshakes queued on a
 * jar lock (Jetty handshakes per second nearly doubled without it).
 */
final class UpgradeServlet extends HttpServlet {
    private static final Logger LOG = Logger.getLogger(UpgradeServlet.class.getName());
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    /** User property under which {@link Admitted} reaches {@link WsEndpoint#onOpen}. */
    static final String ADMITTED = Admitted.class.getName();
    /** What the upgrade running on this thread admitted; see the class comment. */
    private static final ThreadLocal<Admitted> PENDING = new ThreadLocal<>();

    /**
     * A connection the checks let in.
     *
     * @param recover broadcast and/or private stream positions to recover from (handshake parameters)
     */
    record Admitted(Principal principal, Map<Target, StreamPosition> recover) {
    }

    private final transient WebSocketGateway gateway;
    private final transient ServerEndpointConfig endpointConfig;
    private final AtomicLong lastAuthWarning = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    UpgradeServlet(WebSocketGateway gateway) {
        this.gateway = gateway;
        this.endpointConfig = ServerEndpointConfig.Builder.create(WsEndpoint.class, "/ws")
                .configurator(new HandOver(gateway)).build();
    }

    /** The configurator's class, for {@link JettyTrim#skipCdiDecoration}. */
    static Class<?> configuratorClass() {
        return HandOver.class;
    }

    /** Hands {@link #PENDING} over to the connection's config; makes the endpoints. */
    private static final class HandOver extends ServerEndpointConfig.Configurator {
        private final WebSocketGateway gateway;

        HandOver(WebSocketGateway gateway) {
            this.gateway = gateway;
        }

        @Override
        public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
            super.modifyHandshake(sec, request, response);
            Admitted admitted = PENDING.get();
            if (admitted != null) {
                PENDING.remove();
                sec.getUserProperties().put(ADMITTED, admitted);
            }
        }

        @Override
        public <T> T getEndpointInstance(Class<T> type) {
            return type.cast(new WsEndpoint(gateway));
        }

        /**
         * No extensions, so no permessage-deflate: compression keeps a context per connection
         * (about 100 KB of native memory each, measured) and would compress every notification
         * once per recipient, where now all recipients share one encoded frame.
         */
        @Override
        public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
            return List.of();
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!"websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
            refuse(resp, 400, ErrorCode.BAD_REQUEST, "expected a WebSocket upgrade request");
            return;
        }
        String origin = req.getHeader("Origin");
        if (origin != null && !originAllowed(origin, req.getScheme(), req.getServerName(), req.getServerPort())) {
            refuse(resp, 403, ErrorCode.FORBIDDEN, "origin not allowed: " + origin);
            return;
        }
        if (gateway.node.isDraining()) {
            refuse(resp, 503, ErrorCode.UNAVAILABLE, "server is shutting down; reconnect to another node");
            return;
        }
        Principal principal;
        try {
            principal = gateway.verifier.verify(token(req));
            Identifiers.validate("the token's user id (sub)", principal.userId());
        } catch (ServerException e) {
            if (!gateway.config.authConfigured()) {
                warnNoAuth();
            }
            resp.setHeader("WWW-Authenticate", "Bearer");
            refuse(resp, 401, ErrorCode.UNAUTHORIZED, e.getMessage());
            return;
        }
        try {
            gateway.node.checkAdmission(principal.userId());
        } catch (ServerException e) {
            resp.setHeader("Retry-After", "5");
            refuse(resp, 503, e.code(), e.getMessage());
            return;
        }
        if (!gateway.slots.tryTake(principal.userId())) {
            resp.setHeader("Retry-After", "5");
            refuse(resp, 503, ErrorCode.LIMIT_EXCEEDED,
                    "a user may hold at most " + gateway.config.maxConnectionsPerUser() + " connections");
            return;
        }
        boolean handedOver = false;
        try {
            handedOver = upgrade(req, resp, principal);
        } finally {
            if (!handedOver) {
                gateway.slots.release(principal.userId());
            }
        }
    }

    /**
     * The rest of the handshake, holding one of the user's slots; true once the slot is the
     * connection's (released by {@link WsEndpoint} when it closes), false if it stays the caller's.
     */
    private boolean upgrade(HttpServletRequest req, HttpServletResponse resp, Principal principal) throws IOException {
        Map<Target, StreamPosition> recover = Map.of();
        for (String[] param : new String[][] {{"all_since", "all"}, {"private_since", "private"}}) {
            String raw = queryParameter(req, param[0]);
            if (raw != null) {
                StreamPosition p = CommandCodec.position(raw);
                if (p == null) {
                    refuse(resp, 400, ErrorCode.BAD_REQUEST, param[0] + " must be <offset>:<epoch>");
                    return false;
                }
                if (recover.isEmpty()) {
                    recover = new LinkedHashMap<>();
                }
                recover.put(param[1].equals("all") ? Target.all() : Target.user(principal.userId()), p);
            }
        }
        Object attr = req.getServletContext().getAttribute(ServerContainer.class.getName());
        if (!(attr instanceof ServerContainer container)) {
            refuse(resp, 503, ErrorCode.UNAVAILABLE, "the container has no WebSocket support enabled");
            return false;
        }
        PENDING.set(new Admitted(principal, recover));
        boolean handedOver;
        try {
            container.upgradeHttpToWebSocket(req, resp, endpointConfig, Map.of());
        } catch (jakarta.websocket.DeploymentException e) {
            throw new IOException("WebSocket upgrade failed: " + e.getMessage(), e);
        } finally {
            // Still pending: the configurator never ran (the container refused the upgrade, e.g.
            // a bad Sec-WebSocket-Key), so no endpoint will own the slot.
            handedOver = PENDING.get() == null;
            PENDING.remove();
        }
        return handedOver;
    }

    /**
     * {@code ALLOWED_ORIGINS} empty: same origin only, the Origin's scheme, host and port equal
     * to the request's as the container sees them (behind a proxy, that needs the container to
     * apply the forwarded headers, or {@code ALLOWED_ORIGINS}). Otherwise exact matches, or
     * anything when it lists {@code *}.
     */
    boolean originAllowed(String origin, String scheme, String host, int port) {
        var allowed = gateway.config.allowedOrigins();
        if (allowed.contains("*")) {
            return true;
        }
        String o = stripSlash(origin);
        if (!allowed.isEmpty()) {
            return allowed.stream().anyMatch(a -> stripSlash(a).equalsIgnoreCase(o));
        }
        URI uri;
        try {
            uri = new URI(o);
        } catch (URISyntaxException e) {
            return false;
        }
        return uri.getScheme() != null && uri.getHost() != null && uri.getRawPath().isEmpty()
                && uri.getRawUserInfo() == null && uri.getRawQuery() == null && uri.getRawFragment() == null
                && uri.getScheme().equalsIgnoreCase(scheme)
                && stripBrackets(uri.getHost()).equalsIgnoreCase(stripBrackets(host))
                && portOf(uri) == port;
    }

    private static int portOf(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : -1;
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private String token(HttpServletRequest req) {
        String t = queryParameter(req, gateway.config.tokenKey());
        if (t == null) {
            String auth = req.getHeader("Authorization");
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                t = auth.substring(7).trim();
            }
        }
        return t;
    }

    /**
     * The first value of a query parameter, as {@code getParameter} gives it, read from the raw
     * query string. {@code getParameter} makes the container parse every parameter into a map
     * that it keeps on the request, and Jetty keeps the upgrade request for as long as the
     * WebSocket is open: ~0.4 KB per connection (a decoded copy of the token among it).
     */
    static String queryParameter(HttpServletRequest req, String name) {
        String query = req.getQueryString();
        if (query == null) {
            return null;
        }
        try {
            for (int i = 0; i <= query.length(); ) {
                int end = query.indexOf('&', i);
                if (end < 0) {
                    end = query.length();
                }
                int eq = query.indexOf('=', i);
                boolean hasValue = eq >= 0 && eq < end;
                if (decode(query.substring(i, hasValue ? eq : end)).equals(name)) {
                    return hasValue ? decode(query.substring(eq + 1, end)) : "";
                }
                i = end + 1;
            }
            return null;
        } catch (IllegalArgumentException malformed) {
            return req.getParameter(name); // a bad %-escape: whatever the container makes of it
        }
    }

    private static String decode(String s) {
        return s.indexOf('%') < 0 && s.indexOf('+') < 0 ? s : URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private void warnNoAuth() {
        long last = lastAuthWarning.get();
        long now = System.nanoTime();
        if (now - last >= LOG_EVERY_NANOS && lastAuthWarning.compareAndSet(last, now)) {
            LOG.warning("refusing WebSocket connections: no authentication is configured "
                    + "(set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL); see the README's Security section");
        }
    }

    private void refuse(HttpServletResponse resp, int status, ErrorCode code, String message) throws IOException {
        gateway.node.stats().handshake(status);
        HttpErrors.send(resp, status, code, message);
    }
}
