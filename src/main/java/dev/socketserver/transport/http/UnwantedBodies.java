package dev.socketserver.transport.http;

import dev.socketserver.error.ErrorCode;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;

/**
 * Refuses, unread, an HTTP/1.x request body sent where the application takes none (anything but
 * {@code POST /api/*}: the WebSocket handshake, the probes, {@code /metrics}, the demo and static
 * paths), with 400 and {@code Connection: close}, answered asynchronously. A synchronous answer
 * would let Tomcat read ("swallow") the unread body with a blocking read on the request's worker
 * thread before closing (up to its {@code maxSwallowSize}, whatever the {@code Connection}
 * header says), so a few hundred clients dribbling bodies at, say, {@code /health/live} would
 * hold every worker thread. HTTP/2 requests (gRPC) are not touched: their bodies are read by
 * grpc-servlet without blocking.
 */
public final class UnwantedBodies extends HttpFilter {
    public void install(ServletContext context) {
        FilterRegistration.Dynamic reg = context.addFilter("socket-server-unwanted-bodies", this);
        reg.setAsyncSupported(true);
        reg.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        boolean body = req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null;
        // The servlet path, normalized by the container (a request URI like /api/../health/live is not the API's).
        if (!body || req.getProtocol().startsWith("HTTP/2") || "/api".equals(req.getServletPath())) {
            chain.doFilter(req, resp);
            return;
        }
        HttpErrors.sendUnread(req, resp, 400, ErrorCode.BAD_REQUEST, "this path takes no request body");
    }
}
