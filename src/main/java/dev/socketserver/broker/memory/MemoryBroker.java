package dev.socketserver.broker.memory;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerEventHandler;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Publication;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The default {@link Broker}: single node only. Publications are handed to this node's handler
 * on the publishing thread, under a lock striped by stream, which gives per-stream ordering
 * without one global lock. Nothing survives a restart.
 */
public final class MemoryBroker implements Broker {
    private static final int STRIPES = 256;

    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
    private volatile BrokerEventHandler handler;
    private volatile boolean closed;

    public MemoryBroker() {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    @Override
    public void start(BrokerEventHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    @Override
    public CompletionStage<StreamPosition> publish(Target target, Notification notification) {
        if (closed || handler == null) {
            return CompletableFuture.failedFuture(
                    new ServerException(ErrorCode.UNAVAILABLE, "broker is not running"));
        }
        ReentrantLock lock = locks[spread(target.streamKey().hashCode()) & (STRIPES - 1)];
        lock.lock();
        try {
            handler.onPublication(new Publication(target, notification, null));
        } finally {
            lock.unlock();
        }
        return CompletableFuture.completedFuture(null);
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    @Override
    public void close() {
        closed = true;
    }
}
