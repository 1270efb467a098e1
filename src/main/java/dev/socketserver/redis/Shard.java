package dev.socketserver.redis;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Objects;

/**
 * One independent Redis (or one Redis Cluster): a command connection, and a pub/sub connection
 * whose messages arrive in the order Redis sent them, which is what keeps a stream's order.
 *
 * @param name     the address without credentials, for logs and placement
 * @param index    its place in {@code REDIS_ADDRESSES}
 */
public record Shard(String name, int index, StatefulConnection<byte[], byte[]> connection,
                    RedisClusterAsyncCommands<byte[], byte[]> commands,
                    StatefulRedisPubSubConnection<byte[], byte[]> pubsub) {
    public Shard {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(commands, "commands");
        Objects.requireNonNull(pubsub, "pubsub");
    }

    @Override
    public String toString() {
        return "shard " + index + " (" + name + ")";
    }
}
