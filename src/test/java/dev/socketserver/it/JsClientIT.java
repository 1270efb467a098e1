package dev.socketserver.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.NodeProject;
import dev.socketserver.testing.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The JavaScript client ({@code clients/js}) tested by its own Node.js tests ({@code node
 * --test}) against the real WAR: publishing through the HTTP API, a restart, a listener outage
 * and forced disconnects through {@link ControlledServer}. The Node output goes to the test log
 * and to {@code target/js-client-tests.log}.
 */
class JsClientIT {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);

    @Test
    void nodeTestsPassAgainstTheRealServer() throws Exception {
        NodeProject client = new NodeProject(NodeProject.repositoryDir().resolve("clients/js"), 20);
        client.install();
        Map<String, String> settings = EmbeddedJetty.defaults();
        settings.put("MAX_ROOMS_PER_CONNECTION", "4");
        settings.put("PRESENCE_EVENTS", "presence:*");
        String version = System.getProperty("socketserver.version");
        assertTrue(version != null && !version.isBlank(), "failsafe passes socketserver.version (the project version)");
        try (ControlledServer server = new ControlledServer(settings)) {
            Map<String, String> env = Map.of(
                    "SS_WS_URL", "ws://127.0.0.1:" + server.wsPort() + "/ws",
                    "SS_API_URL", "http://127.0.0.1:" + server.apiPort(),
                    "SS_CONTROL_URL", server.controlUrl(),
                    "SS_SECRET", Tokens.SECRET,
                    "SS_API_KEY", GrpcClient.API_KEY,
                    "SS_VERSION", version);
            String out;
            try {
                out = client.run(List.of("node", "--test", "--test-concurrency=1", "--test-reporter=spec", "test/"),
                        env, RUN_TIMEOUT, "node --test in clients/js");
            } catch (IllegalStateException e) {
                log(e.getMessage());
                throw e;
            }
            log(out);
            assertTrue(out.contains("fail 0") && !out.contains("tests 0"), "node --test reported failures:\n" + out);
        }
    }

    private static void log(String out) throws java.io.IOException {
        System.out.println(out);
        Path file = EmbeddedJetty.war().toAbsolutePath().getParent().resolve("js-client-tests.log");
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }
}
