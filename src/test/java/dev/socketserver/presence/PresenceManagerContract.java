package dev.socketserver.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link PresenceManager} contract; every implementation runs it by extending this class.
 * Two nodes ({@link #NODE_A}, {@link #NODE_B}) share the manager, as two servers share an engine.
 */
public abstract class PresenceManagerContract {
    protected static final String NODE_A = "node-a-" + UUID.randomUUID();
    protected static final String NODE_B = "node-b-" + UUID.randomUUID();

    protected PresenceManager presence;

    protected abstract PresenceManager newPresenceManager();

    /** How long a node's entries live without a refresh, in the manager under test. */
    protected abstract Duration ttl();

    /** Lets at least {@code d} pass for the manager's expiry (a manual clock moved, or real time waited out). */
    protected abstract void passTime(Duration d);

    @BeforeEach
    void start() {
        presence = newPresenceManager();
        assertFalse(join(presence.refresh(NODE_A)), "a node is not alive before its first refresh");
        assertFalse(join(presence.refresh(NODE_B)));
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

    private static ClientInfo on(String node, String clientId, String userId) {
        return new ClientInfo(clientId, userId, node);
    }

    @Test
    void addListsAndCountsClientsAndDistinctUsers() {
        String room = room();
        join(presence.add(room, on(NODE_A, "c1", "alice")));
        join(presence.add(room, on(NODE_A, "c2", "alice")));
        join(presence.add(room, on(NODE_B, "c3", "bob")));
        Map<String, ClientInfo> p = join(presence.presence(room));
        assertEquals(3, p.size());
        assertEquals("alice", p.get("c2").userId());
        assertEquals(NODE_B, p.get("c3").nodeId());
        assertEquals(new PresenceStats(3, 2), join(presence.stats(room)));
    }

    @Test
    void addAndRemoveAreIdempotent() {
        String room = room();
        join(presence.add(room, on(NODE_A, "c1", "alice")));
        join(presence.add(room, on(NODE_A, "c1", "alice")));
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
        join(presence.add(a, on(NODE_A, "c1", "alice")));
        assertTrue(join(presence.presence(b)).isEmpty());
        join(presence.remove(b, "c1"));
        assertEquals(1, join(presence.presence(a)).size());
    }

    @Test
    void callsForOneClientTakeEffectInTheOrderMade() {
        String room = room();
        // Made one after the other without waiting for each: the last one decides.
        CompletionStage<Void> a1 = presence.add(room, on(NODE_A, "c1", "alice"));
        CompletionStage<Void> r1 = presence.remove(room, "c1");
        CompletionStage<Void> a2 = presence.add(room, on(NODE_A, "c2", "alice"));
        CompletionStage<Void> r2 = presence.remove(room, "c2");
        CompletionStage<Void> a3 = presence.add(room, on(NODE_A, "c2", "alice"));
        join(a1);
        join(r1);
        join(a2);
        join(r2);
        join(a3);
        assertEquals(Set.of("c2"), join(presence.presence(room)).keySet());
    }

    @Test
    void aNodeThatStopsRefreshingLosesItsEntriesAfterTheTtlAndTheOtherKeepsItsOwn() {
        String room = room();
        join(presence.add(room, on(NODE_A, "a1", "alice")));
        join(presence.add(room, on(NODE_B, "b1", "bob")));
        passTime(ttl().dividedBy(2));
        assertTrue(join(presence.refresh(NODE_A)), "a refreshed in time");
        passTime(ttl().dividedBy(2).plusSeconds(1));
        // b died without a goodbye: its entry is gone, a's is kept.
        assertEquals(Set.of("a1"), join(presence.presence(room)).keySet());
        assertEquals(new PresenceStats(1, 1), join(presence.stats(room)));
        // b comes back: told it was not alive, its old entries are gone until it adds them again.
        assertFalse(join(presence.refresh(NODE_B)));
        assertEquals(Set.of("a1"), join(presence.presence(room)).keySet());
        join(presence.add(room, on(NODE_B, "b1", "bob")));
        assertEquals(Set.of("a1", "b1"), join(presence.presence(room)).keySet());
    }

    @Test
    void aNodeThatSaysGoodbyeTakesEveryEntryWithItAtOnce() {
        String r1 = room();
        String r2 = room();
        join(presence.add(r1, on(NODE_A, "a1", "alice")));
        join(presence.add(r2, on(NODE_A, "a1", "alice")));
        join(presence.add(r1, on(NODE_B, "b1", "bob")));
        join(presence.removeNode(NODE_A));
        assertEquals(Set.of("b1"), join(presence.presence(r1)).keySet());
        assertTrue(join(presence.presence(r2)).isEmpty());
        assertEquals(new PresenceStats(0, 0), join(presence.stats(r2)));
    }
}
