package dev.socketserver.transport.websocket;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.socketserver.auth.TokenVerifier;
import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.config.Config;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.node.Node;
import dev.socketserver.node.NodeOptions;
import dev.socketserver.presence.memory.MemoryPresenceManager;
import dev.socketserver.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gateway's token-expiry sweep (a periodic task) survives failures and logs them. */
class TokenExpirySweepTest {
    private Node node;
    private WebSocketGateway gateway;

    @AfterEach
    void close() {
        if (gateway != null) {
            gateway.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aFailingCloseAndAnErrorDoNotStopTheSweepAndAreLogged() {
        AtomicInteger failingCalls = new AtomicInteger();
        AtomicInteger errorCalls = new AtomicInteger();
        AtomicInteger healthyCalls = new AtomicInteger();
        try (LogCapture log = LogCapture.of(WebSocketGateway.class.getName())) {
            node = new Node(NodeOptions.defaults(), new MemoryBroker(), new MemoryPresenceManager(),
                    HistorySettings.defaults(), List.of());
            gateway = new WebSocketGateway(node, TokenVerifier.refuseAll("test"), Config.load(Map.<String, String>of()::get));
            // Due at once, and its close fails: logged and no longer tracked.
            gateway.trackExpiry(now -> {
                failingCalls.incrementAndGet();
                throw new IllegalStateException("sweep test: the close failed");
            });
            // Throws an Error (ends that sweep) the first time, then is due and done.
            gateway.trackExpiry(now -> {
                if (errorCalls.incrementAndGet() == 1) {
                    throw new LinkageError("sweep test: an error escapes the sweep");
                }
                return true;
            });
            // Never due: seen once per sweep.
            gateway.trackExpiry(now -> {
                healthyCalls.incrementAndGet();
                return false;
            });
            // Before: the Error cancelled the sweep for good; the failing one was retried every sweep.
            await().atMost(Duration.ofSeconds(10)).until(() -> healthyCalls.get() >= 4 && errorCalls.get() >= 2);
            assertEquals(1, failingCalls.get(), "a connection whose close failed is not retried");
            assertEquals(2, errorCalls.get(), "done once due");
            assertEquals(List.of("token expiry sweep failed; the next one runs as scheduled"), log.messages(Level.SEVERE));
            assertEquals(1, log.messages(Level.WARNING).stream()
                    .filter(m -> m.startsWith("closing a connection whose token expired failed")).count());
        }
    }
}
