package dev.socketserver.broker.redis;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerContract;
import dev.socketserver.config.RedisSettings;
import dev.socketserver.testing.ManualClock;
import dev.socketserver.testing.RedisServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/**
 * The {@link BrokerContract} on real Redis servers: each test gets a fresh key prefix, every
 * node its own connections (as separate processes would have). Time passes for the engine by a
 * manual clock (which dates publications) moved together with the TTLs of the test's keys.
 */
abstract class RedisBrokerContract extends BrokerContract {
    static final Duration POSITION_TTL = Duration.ofHours(1);
    final ManualClock clock = new ManualClock();
    final List<RedisEngine> engines = new ArrayList<>();
    RedisSettings settings;

    /** The servers: one, two shards, or the nodes of a cluster. */
    abstract List<String> urls();

    boolean cluster() {
        return false;
    }

    RedisEngine connect() {
        RedisEngine e = RedisEngine.connect(settings, "node-" + UUID.randomUUID(), POSITION_TTL, Duration.ofSeconds(60), clock);
        engines.add(e);
        return e;
    }

    @Override
    protected Broker newBroker() {
        settings = RedisServers.settings(cluster() ? urls().subList(0, 1) : urls(), cluster());
        return connect().broker();
    }

    @Override
    protected Broker secondNode() {
        return connect().broker();
    }

    @Override
    protected void passTime(Duration d) {
        clock.advance(d);
        RedisServers.passTime(urls(), settings.prefix(), d);
    }

    @Override
    protected Duration positionTtl() {
        return POSITION_TTL;
    }

    @AfterEach
    void closeEngines() {
        engines.forEach(RedisEngine::close);
    }
}
