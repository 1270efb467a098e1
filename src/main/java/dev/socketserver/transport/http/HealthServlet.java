package dev.socketserver.transport.http;

import dev.socketserver.error.ErrorCode;
import dev.socketserver.message.Json;
import dev.socketserver.node.Node;
import dev.socketserver.node.Readiness;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Probes for orchestrators, without an API key: {@code GET /health/live} answers 200 while the
 * application answers at all (draining included: restarting a draining server helps nobody);
 * {@code GET /health/ready} answers 200 only while the node is {@link Readiness#ready() ready},
 * 503 otherwise. Both bodies are {@code {"live"|"ready":bool,"state":...,"reason":...}} with the
 * node's {@link Readiness}; they name no setting, address or key.
 */
public final class HealthServlet extends HttpServlet {
    private final transient Node node;

    public HealthServlet(Node node) {
        this.node = node;
    }

    public void install(ServletContext context) {
        ServletRegistration.Dynamic reg = context.addServlet("socket-server-health", this);
        reg.addMapping("/health/*");
        reg.setLoadOnStartup(1);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!HttpErrors.readOnly(req, resp, "use GET /health/live or GET /health/ready")) {
            return;
        }
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        Readiness readiness = node.readiness();
        switch (path) {
            case "/live" -> answer(resp, 200, "live", true, readiness);
            case "/ready" -> answer(resp, readiness.ready() ? 200 : 503, "ready", readiness.ready(), readiness);
            default -> HttpErrors.send(resp, 404, ErrorCode.NOT_FOUND, "unknown health check '" + path
                    + "'; use /health/live or /health/ready");
        }
    }

    private static void answer(HttpServletResponse resp, int status, String check, boolean ok, Readiness readiness)
            throws IOException {
        StringBuilder json = new StringBuilder("{\"").append(check).append("\":").append(ok).append(",\"state\":");
        Json.quote(json, readiness.state().name().toLowerCase(Locale.ROOT)).append(",\"reason\":");
        Json.quote(json, readiness.reason()).append('}');
        byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
