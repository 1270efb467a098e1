package dev.socketserver.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link PresenceManager} contract; every implementation runs it by extending this class. */
public abstract class PresenceManagerContract {
    protected PresenceManager presence;

    protected abstract PresenceManager newPresenceManager();

    @BeforeEach
    void start() {
        presence = newPresenceManager();
    }

    @AfterEach
    void stop() {
        presence.close();
    }

    protected static <T> T join(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS).join();
    }

    static String room() {
        return "presence-" + UUID.randomUUID();
    }

    @Test
    void addListsAndCountsClientsAndDistinctUsers() {
        String room = room();
        join(presence.add(room, new ClientInfo("c1", "alice")));
        join(presence.add(room, new ClientInfo("c2", "alice")));
        join(presence.add(room, new ClientInfo("c3", "bob")));
        Map<String, ClientInfo> p = join(presence.presence(room));
        assertEquals(3, p.size());
        assertEquals("alice", p.get("c2").userId());
        assertEquals(new PresenceStats(3, 2), join(presence.stats(room)));
    }

    @Test
    void addAndRemoveAreIdempotent() {
        String room = room();
        join(presence.add(room, new ClientInfo("c1", "alice")));
        join(presence.add(room, new ClientInfo("c1", "alice")));
        assertEquals(new PresenceStats(1, 1), join(presence.stats(room)));
        join(presence.remove(room, "c1"));
        join(presence.remove(room, "c1"));
        assertTrue(join(presence.presence(room)).isEmpty());
        assertEquals(new PresenceStats(0, 0), join(presence.stats(room)));
    }

    @Test
    void roomsAreIndependent() {
        String a = room();
        String b = room();
        join(presence.add(a, new ClientInfo("c1", "alice")));
        assertTrue(join(presence.presence(b)).isEmpty());
        join(presence.remove(b, "c1"));
        assertEquals(1, join(presence.presence(a)).size());
    }
}
