package dev.socketserver.presence.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.presence.ClientInfo;
import dev.socketserver.testing.RedisServers;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The presence contract on one Redis: the one at {@code REDIS_URL}. */
class RedisPresenceManagerTest extends RedisPresenceContract {
    @Override
    List<String> urls() {
        return RedisServers.shared();
    }

    /** A node adds entries before its first refresh has answered (the node does not wait for it). */
    @Test
    void entriesAddedBeforeTheFirstRefreshLiveOnceItAnswers() {
        String node = "node-c-" + UUID.randomUUID();
        String room = "presence-" + UUID.randomUUID();
        join(presence.add(room, new ClientInfo("c1", "carol", node)));
        assertFalse(join(presence.refresh(node)));
        assertEquals(Set.of("c1"), join(presence.presence(room)).keySet());
        assertTrue(join(presence.refresh(node)));
        assertEquals(Set.of("c1"), join(presence.presence(room)).keySet());
    }
}
