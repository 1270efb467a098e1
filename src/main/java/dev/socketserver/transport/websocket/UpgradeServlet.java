package dev.socketserver.transport.websocket;

import dev.socketserver.auth.Principal;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.Endpoint;
import jakarta.websocket.Extension;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * that already knows its user.
 */
final class UpgradeServlet extends HttpServlet {
    private static final Logger LOG = Logger.getLogger(UpgradeServlet.class.getName());
    private static final long LOG_EVERY_NANOS = 60_000_000_000L;

    private final transient WebSocketGateway gateway;
    private final AtomicLong lastAuthWarning = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    UpgradeServlet(WebSocketGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!"websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
            refuse(resp, 400, ErrorCode.BAD_REQUEST, "expected a WebSocket upgrade request");
            return;
        }
        String origin = req.getHeader("Origin");
        if (origin != null && !originAllowed(origin, req.getHeader("Host"))) {
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
        Map<Target, StreamPosition> recover = new LinkedHashMap<>();
        for (String[] param : new String[][] {{"all_since", "all"}, {"private_since", "private"}}) {
            String raw = req.getParameter(param[0]);
            if (raw != null) {
                StreamPosition p = CommandCodec.position(raw);
                if (p == null) {
                    refuse(resp, 400, ErrorCode.BAD_REQUEST, param[0] + " must be <offset>:<epoch>");
                    return;
                }
                recover.put(param[1].equals("all") ? Target.all() : Target.user(principal.userId()), p);
            }
        }
        Object attr = req.getServletContext().getAttribute(ServerContainer.class.getName());
        if (!(attr instanceof ServerContainer container)) {
            refuse(resp, 503, ErrorCode.UNAVAILABLE, "the container has no WebSocket support enabled");
            return;
        }
        ServerEndpointConfig sec = ServerEndpointConfig.Builder.create(WsEndpoint.class, "/ws")
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(Class<T> type) {
                        Endpoint e = new WsEndpoint(gateway, principal, recover);
                        return type.cast(e);
                    }

                    /**
                     * No extensions, so no permessage-deflate: compression keeps a context per
                     * connection and would compress every notification once per recipient,
                     * where now all recipients share one encoded frame.
                     */
                    @Override
                    public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
                        return List.of();
                    }
                }).build();
        try {
            container.upgradeHttpToWebSocket(req, resp, sec, Map.of());
        } catch (jakarta.websocket.DeploymentException e) {
            throw new IOException("WebSocket upgrade failed: " + e.getMessage(), e);
        }
    }

    /**
     * {@code ALLOWED_ORIGINS} empty: same origin only (the Origin's host:port is the Host
     * header). Otherwise exact matches, or anything when it lists {@code *}.
     */
    boolean originAllowed(String origin, String host) {
        var allowed = gateway.config.allowedOrigins();
        if (allowed.contains("*")) {
            return true;
        }
        String o = stripSlash(origin);
        if (!allowed.isEmpty()) {
            return allowed.stream().anyMatch(a -> stripSlash(a).equalsIgnoreCase(o));
        }
        int scheme = o.indexOf("://");
        return host != null && scheme > 0 && o.substring(scheme + 3).equalsIgnoreCase(host);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private String token(HttpServletRequest req) {
        String t = req.getParameter(gateway.config.tokenKey());
        if (t == null) {
            String auth = req.getHeader("Authorization");
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                t = auth.substring(7).trim();
            }
        }
        return t;
    }

    private void warnNoAuth() {
        long last = lastAuthWarning.get();
        long now = System.nanoTime();
        if (now - last >= LOG_EVERY_NANOS && lastAuthWarning.compareAndSet(last, now)) {
            LOG.warning("refusing WebSocket connections: no authentication is configured "
                    + "(set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL); see the README's Security section");
        }
    }

    static void refuse(HttpServletResponse resp, int status, ErrorCode code, String message) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        byte[] body = CommandCodec.error(null, code, message).getBytes(StandardCharsets.UTF_8);
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
