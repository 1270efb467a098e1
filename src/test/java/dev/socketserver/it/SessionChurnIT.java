package dev.socketserver.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.LogCapture;
import dev.socketserver.testing.SessionChurn;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * Sessions that close never disturb the others, in embedded Jetty 12.1 where idle sessions are
 * trimmed ({@code JettyTrim}: every session shares one pair of codec registries, which Jetty
 * closes with each session). The stock distributions run the same scenario on every write path
 * ({@code DistributionSmokeTest}).
 */
class SessionChurnIT {

    @Test
    void manySessionsOpenAndCloseWhileTheOthersReceiveEverything() throws Exception {
        try (LogCapture log = LogCapture.of("dev.socketserver.transport.websocket");
             EmbeddedJetty server = EmbeddedJetty.start(EmbeddedJetty.defaults());
             GrpcClient grpc = new GrpcClient(server.port())) {
            SessionChurn.run(server::wsUrl, grpc, 4, 150, 500);
            List<String> said = log.messages(Level.INFO);
            assertTrue(said.stream().anyMatch(m -> m.startsWith("WebSocket sessions trimmed for idle memory")),
                    "the sessions were trimmed (shared registries), so the scenario tested them: " + said);
            assertTrue(log.messages(Level.WARNING).isEmpty(), "warnings: " + log.messages(Level.WARNING));
        }
    }
}
