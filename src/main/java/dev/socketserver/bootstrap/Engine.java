package dev.socketserver.bootstrap;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.memory.MemoryBroker;
import dev.socketserver.broker.redis.RedisEngine;
import dev.socketserver.config.Config;
import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.memory.MemoryPresenceManager;
import java.time.Clock;

/**
 * The broker and presence store a node runs on, as {@code BROKER} selects: both in this
 * process ({@code memory}, one node), or both on Redis sharing one set of connections
 * ({@code redis}, any number of nodes). The node closes both when it closes.
 */
record Engine(Broker broker, PresenceManager presence, String description) {

    /**
     * @throws dev.socketserver.error.ServerException {@code UNAVAILABLE} when Redis cannot be
     *         reached at start (the deployment fails; the container or orchestrator retries)
     */
    static Engine of(Config config) {
        return switch (config.broker()) {
            case MEMORY -> new Engine(new MemoryBroker(new MemoryBroker.Limits(config.history().maxStreams(),
                    config.history().maxKeys(), config.history().metaTtl()), Clock.systemUTC()),
                    new MemoryPresenceManager(Clock.systemUTC(), config.presenceTtl()),
                    "memory (this node only)");
            case REDIS -> {
                RedisEngine redis = RedisEngine.connect(config.redis(), config.nodeId(), config.history().metaTtl(),
                        config.presenceTtl());
                yield new Engine(redis.broker(), redis.presence(), "redis " + config.redis().redactedAddresses()
                        + (config.redis().cluster() ? " (Redis Cluster)" : "") + ", prefix " + config.redis().prefix());
            }
        };
    }
}
