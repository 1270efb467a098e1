package dev.socketserver.broker.redis;

import dev.socketserver.testing.RedisServers;
import java.util.List;

/** The broker contract on one Redis: the one at {@code REDIS_URL}. */
class RedisBrokerTest extends RedisBrokerContract {
    @Override
    List<String> urls() {
        return RedisServers.shared();
    }
}
