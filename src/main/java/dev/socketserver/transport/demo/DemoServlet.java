package dev.socketserver.transport.demo;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Serves the demo page's files from {@code WEB-INF/demo} at {@code /demo/}. They live under
 * WEB-INF so that the container's default servlet never serves them: without this servlet
 * (DEMO_ENABLED=false, the default) {@code /demo/} is a 404.
 */
public final class DemoServlet extends HttpServlet {
    private static final String ROOT = "/WEB-INF/demo";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html;charset=utf-8",
            "js", "text/javascript;charset=utf-8",
            "css", "text/css;charset=utf-8");

    private DemoServlet() {
    }

    /** Maps the servlet to {@code /demo/*}. */
    public static void install(ServletContext context) {
        ServletRegistration.Dynamic reg = context.addServlet("socket-server-demo", new DemoServlet());
        reg.addMapping("/demo/*");
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo();
        if (path == null) {
            String query = req.getQueryString();
            resp.sendRedirect(req.getContextPath() + "/demo/" + (query == null ? "" : "?" + query));
            return;
        }
        if (path.equals("/")) {
            path = "/index.html";
        }
        String extension = path.substring(path.lastIndexOf('.') + 1);
        String type = TYPES.get(extension);
        if (type == null || path.contains("..") || !path.matches("/[A-Za-z0-9_./-]+")) {
            resp.sendError(404);
            return;
        }
        try (InputStream in = getServletContext().getResourceAsStream(ROOT + path)) {
            if (in == null) {
                resp.sendError(404);
                return;
            }
            resp.setContentType(type);
            resp.setHeader("Cache-Control", "no-cache");
            resp.setHeader("X-Content-Type-Options", "nosniff");
            in.transferTo(resp.getOutputStream());
        }
    }
}
