package dev.socketserver.broker.redis;

import dev.socketserver.testing.RedisServers;
import java.util.List;

/** The broker contract on two independent Redis servers, streams placed by a hash of their names. */
class ShardedRedisBrokerTest extends RedisBrokerContract {
    @Override
    List<String> urls() {
        return RedisServers.twoShards();
    }
}
