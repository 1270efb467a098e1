package dev.socketserver.broker.redis;

import dev.socketserver.testing.RedisServers;
import java.util.List;

/** The broker contract on a Redis Cluster of three masters, seeded by its first node. */
class ClusterRedisBrokerTest extends RedisBrokerContract {
    @Override
    List<String> urls() {
        return RedisServers.cluster();
    }

    @Override
    boolean cluster() {
        return true;
    }
}
