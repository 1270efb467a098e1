package dev.socketserver.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.socketserver.testing.EmbeddedJetty;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The real WAR in embedded Jetty on two connectors (WebSocket clients use the first, publishers
 * the second), plus a control endpoint for tests written in another language: {@code POST
 * /restart} (stop the server, undeploying the app, and start a new one on the same ports),
 * {@code POST /listener/stop} and {@code /listener/start} (close the first connector and every
 * connection on it, then open it again on the same port; the app and its history stay). Each
 * answers 204 once done, 500 with the error otherwise.
 */
final class ControlledServer implements AutoCloseable {
    private final Map<String, String> settings;
    private final HttpServer control;
    private EmbeddedJetty server;
    private final int wsPort;
    private final int apiPort;

    ControlledServer(Map<String, String> settings) throws Exception {
        this.settings = Map.copyOf(settings);
        server = EmbeddedJetty.start(EmbeddedJetty.war(), this.settings, 0, 0);
        wsPort = server.port(0);
        apiPort = server.port(1);
        control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        control.createContext("/restart", exchange -> answer(exchange, this::restart));
        control.createContext("/listener/stop", exchange -> answer(exchange, () -> listener().stop()));
        control.createContext("/listener/start", exchange -> answer(exchange, () -> {
            ServerConnector listener = listener();
            listener.setPort(wsPort);
            listener.start();
        }));
        control.start();
    }

    int wsPort() {
        return wsPort;
    }

    int apiPort() {
        return apiPort;
    }

    String controlUrl() {
        return "http://127.0.0.1:" + control.getAddress().getPort();
    }

    private synchronized void restart() throws Exception {
        server.close();
        server = EmbeddedJetty.start(EmbeddedJetty.war(), settings, wsPort, apiPort);
    }

    private synchronized ServerConnector listener() {
        return (ServerConnector) server.server().getConnectors()[0];
    }

    private interface Action {
        void run() throws Exception;
    }

    private static void answer(HttpExchange exchange, Action action) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            try {
                action.run();
                exchange.sendResponseHeaders(204, -1);
            } catch (Exception e) {
                byte[] body = e.toString().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(500, body.length);
                exchange.getResponseBody().write(body);
            }
        }
    }

    @Override
    public synchronized void close() throws Exception {
        control.stop(0);
        server.close();
    }
}
