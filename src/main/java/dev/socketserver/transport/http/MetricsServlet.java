package dev.socketserver.transport.http;

import dev.socketserver.auth.ApiKeys;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.metrics.PrometheusMetrics;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /metrics}: the server's and the JVM's metrics for Prometheus, in the Prometheus text
 * format, or OpenMetrics when the {@code Accept} header asks for it. It needs the backend API key
 * ({@code Authorization: Bearer <key>}, checked by the same {@link ApiKeys} as the HTTP API)
 * unless {@code METRICS_PUBLIC=true}: the metrics reveal load and traffic, not payloads.
 */
public final class MetricsServlet extends HttpServlet {
    private final transient PrometheusMetrics metrics;
    private final transient ApiKeys keys;
    private final boolean open;

    /** @param open serve without a key ({@code METRICS_PUBLIC}) */
    public MetricsServlet(PrometheusMetrics metrics, ApiKeys keys, boolean open) {
        this.metrics = metrics;
        this.keys = keys;
        this.open = open;
    }

    public void install(ServletContext context) {
        ServletRegistration.Dynamic reg = context.addServlet("socket-server-metrics", this);
        reg.addMapping("/metrics");
        reg.setLoadOnStartup(1);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!HttpErrors.readOnly(req, resp, "use GET /metrics")) {
            return;
        }
        if (!open) {
            String problem = keys.check(req.getHeader("Authorization"));
            if (problem != null) {
                resp.setHeader("WWW-Authenticate", "Bearer");
                HttpErrors.send(resp, 401, ErrorCode.UNAUTHORIZED, problem
                        + " (or set METRICS_PUBLIC=true to serve /metrics without a key)");
                return;
            }
        }
        PrometheusMetrics.Scrape scrape = metrics.scrape(req.getHeader("Accept"));
        resp.setStatus(200);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentType(scrape.contentType());
        if ("HEAD".equals(req.getMethod())) {
            return;
        }
        scrape.writeTo(resp.getOutputStream());
    }
}
