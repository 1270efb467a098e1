package dev.socketserver.presence.redis;

import dev.socketserver.testing.RedisServers;
import java.util.List;

/** The presence contract on a Redis Cluster of three masters. */
class ClusterRedisPresenceManagerTest extends RedisPresenceContract {
    @Override
    List<String> urls() {
        return RedisServers.cluster();
    }

    @Override
    boolean cluster() {
        return true;
    }
}
