package dev.socketserver.presence.memory;

import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.PresenceManagerContract;

class MemoryPresenceManagerTest extends PresenceManagerContract {
    @Override
    protected PresenceManager newPresenceManager() {
        return new MemoryPresenceManager();
    }
}
