package dev.socketserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Undeploy: every WebSocket is closed with 1001 and the gRPC side stops cleanly. */
class ShutdownIT {

    @Test
    void stoppingTheServerClosesEveryWebSocketWith1001() throws Exception {
        EmbeddedJetty server = EmbeddedJetty.start(EmbeddedJetty.defaults());
        int port = server.port();
        try (GrpcClient grpc = new GrpcClient(port);
             WsClient a = WsClient.connect(server.wsUrl(Tokens.forUser("a")));
             WsClient b = WsClient.connect(server.wsUrl(Tokens.forUser("b")))) {
            a.enter("r");
            grpc.stub().broadcast(GrpcClient.info("before", "x"));
            assertEquals("before", a.nextJson().getString("entityId"));
            assertEquals("before", b.nextJson().getString("entityId"));

            server.close();

            assertEquals(1001, a.awaitClose());
            assertEquals(1001, b.awaitClose());
            assertThrows(StatusRuntimeException.class, () -> grpc.stub().broadcast(GrpcClient.info("after", "x")));
        }
    }

    @Test
    void withoutAuthConfiguredEveryConnectionIsRefused() throws Exception {
        try (EmbeddedJetty server = EmbeddedJetty.start(Map.of("API_KEYS", GrpcClient.API_KEY))) {
            assertEquals(401, WsClient.handshakeStatus(server.wsUrl(Tokens.forUser("a")), Map.of()));
            assertEquals(401, WsClient.handshakeStatus(server.wsUrl(null), Map.of()));
        }
    }

    @Test
    void invalidConfigurationFailsDeploymentWithAClearMessage() {
        Exception e = assertThrows(Exception.class, () -> EmbeddedJetty.start(Map.of(
                "AUTH_JWT_SECRET", "short", "PING_INTERVAL", "soon")).close());
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t).append('\n');
        }
        String all = chain.toString();
        // One message names every problem: both bad settings, not just the first one found.
        org.junit.jupiter.api.Assertions.assertTrue(all.contains("invalid configuration"), all);
        org.junit.jupiter.api.Assertions.assertTrue(all.contains("AUTH_JWT_SECRET"), all);
        org.junit.jupiter.api.Assertions.assertTrue(all.contains("PING_INTERVAL=soon"), all);
    }
}
