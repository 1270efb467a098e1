package dev.socketserver.presence.redis;

import dev.socketserver.testing.RedisServers;
import java.util.List;

/** The presence contract on one Redis: the one at {@code REDIS_URL}. */
class RedisPresenceManagerTest extends RedisPresenceContract {
    @Override
    List<String> urls() {
        return RedisServers.shared();
    }
}
