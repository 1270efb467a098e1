package dev.socketserver.presence.redis;

import dev.socketserver.config.RedisSettings;
import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.PresenceManagerContract;
import dev.socketserver.redis.RedisLink;
import dev.socketserver.testing.RedisServers;
import java.time.Duration;
import java.util.List;

/**
 * The {@link PresenceManagerContract} on real Redis servers, with a fresh key prefix per test.
 * Time passes for the manager by shortening the TTLs of the test's keys (its only clock).
 */
abstract class RedisPresenceContract extends PresenceManagerContract {
    private RedisSettings settings;

    abstract List<String> urls();

    boolean cluster() {
        return false;
    }

    @Override
    protected PresenceManager newPresenceManager() {
        settings = RedisServers.settings(cluster() ? urls().subList(0, 1) : urls(), cluster());
        RedisLink link = RedisLink.connect(settings);
        return new RedisPresenceManager(link, ttl(), link::close);
    }

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(60);
    }

    @Override
    protected void passTime(Duration d) {
        RedisServers.passTime(urls(), settings.prefix(), d);
    }
}
