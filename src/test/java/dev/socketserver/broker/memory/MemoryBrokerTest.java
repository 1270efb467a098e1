package dev.socketserver.broker.memory;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerContract;

class MemoryBrokerTest extends BrokerContract {
    @Override
    protected Broker newBroker() {
        return new MemoryBroker();
    }
}
