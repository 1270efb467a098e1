package dev.socketserver.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.hub.Client;
import dev.socketserver.presence.ClientInfo;
import dev.socketserver.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node's periodic presence refresh survives its own failures and logs each of them. */
class NodePeriodicTasksTest {
    private Node node;

    @AfterEach
    void close() {
        if (node != null) {
            node.close();
        }
    }

    /**
     * Memory presence whose refreshes go: 1 (the node's constructor) normal, 2 throws an
     * {@link Error}, 3 answers "your entries had expired" and the re-add it causes throws, then
     * normal again.
     */
    private static final class FailingPresence extends ForwardingPresence {
        final AtomicInteger refreshes = new AtomicInteger();
        volatile boolean failAdds;

        @Override
        public CompletionStage<Boolean> refresh(String nodeId) {
            int n = refreshes.incrementAndGet();
            if (n == 2) {
                throw new LinkageError("presence test: the refresh throws an Error");
            }
            if (n == 3) {
                failAdds = true;
                return CompletableFuture.completedFuture(false);
            }
            return delegate.refresh(nodeId);
        }

        @Override
        public CompletionStage<Void> add(String room, ClientInfo client) {
            if (failAdds) {
                failAdds = false;
                throw new IllegalStateException("presence test: adding an entry again throws");
            }
            return delegate.add(room, client);
        }
    }

    @Test
    void presenceRefreshOutlivesAnErrorAndAFailedReAddAndLogsBoth() {
        FailingPresence presence = new FailingPresence();
        try (LogCapture log = LogCapture.of(Node.class.getName())) {
            // A 150 ms TTL: refreshed every 50 ms.
            node = new Node(new NodeOptions(1 << 20, Duration.ofHours(1), Duration.ofHours(1), 128, 1000, 100, 2,
                    8L << 20, Duration.ofMillis(150)), new MemoryBroker(), presence, HistorySettings.defaults(), List.of());
            Client c = node.connect("alice", new TestTransport());
            node.enter(c, "room", null).toCompletableFuture().join();
            // Before: the Error cancelled the periodic task (no third refresh), and the re-add's
            // failure only failed a future nobody read (nothing logged).
            await().atMost(Duration.ofSeconds(10)).until(() -> presence.refreshes.get() >= 6);
            List<String> severe = log.messages(Level.SEVERE);
            assertEquals(1, severe.stream().filter(m -> m.startsWith("presence refresh failed")).count(), severe.toString());
            assertEquals(1, severe.stream().filter(m -> m.startsWith("adding this node's presence entries again failed")).count(),
                    severe.toString());
            assertTrue(log.messages(Level.WARNING).contains("this node's presence entries had expired; adding them again"));
        }
    }
}
