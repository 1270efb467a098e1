package dev.socketserver.presence.redis;

import dev.socketserver.testing.RedisServers;
import java.util.List;

/** The presence contract on two independent Redis servers, rooms placed by a hash of their names. */
class ShardedRedisPresenceManagerTest extends RedisPresenceContract {
    @Override
    List<String> urls() {
        return RedisServers.twoShards();
    }
}
