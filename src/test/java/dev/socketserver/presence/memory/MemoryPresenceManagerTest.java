package dev.socketserver.presence.memory;

import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.PresenceManagerContract;
import dev.socketserver.testing.ManualClock;
import java.time.Duration;

class MemoryPresenceManagerTest extends PresenceManagerContract {
    private final ManualClock clock = new ManualClock();

    @Override
    protected PresenceManager newPresenceManager() {
        return new MemoryPresenceManager(clock, ttl());
    }

    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(60);
    }

    @Override
    protected void passTime(Duration d) {
        clock.advance(d);
    }
}
