package dev.socketserver.broker.memory;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerEventHandler;
import dev.socketserver.broker.ControlCommand;
import dev.socketserver.broker.ControlReply;
import dev.socketserver.broker.Gap;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.broker.HistoryResult;
import dev.socketserver.broker.PublishOptions;
import dev.socketserver.broker.PublishResult;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Publication;
import dev.socketserver.message.Target;
import dev.socketserver.stats.EngineGauges;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The default {@link Broker}: one node's connection to a {@link MemoryEngine}. Single node in
 * production ({@link #MemoryBroker()} makes a private engine); nodes of one JVM that share an
 * engine behave like servers sharing a distributed one (the contract tests run two). The
 * engine's Javadoc has the ordering domain, the bounds and their behaviour.
 */
public final class MemoryBroker implements Broker, EngineGauges {
    private static final Logger LOG = Logger.getLogger(MemoryBroker.class.getName());

    /**
     * Bounds of what the engine keeps.
     *
     * @param maxStreams  streams with state (history, position or keys)
     * @param maxKeys     idempotency keys over all streams
     * @param positionTtl how long a stream's position is kept after its last publication
     */
    public record Limits(int maxStreams, int maxKeys, Duration positionTtl) {
        public Limits {
            if (maxStreams < 1 || maxKeys < 1 || positionTtl.isNegative() || positionTtl.isZero()) {
                throw new IllegalArgumentException("limits must be positive: " + maxStreams + ", " + maxKeys + ", " + positionTtl);
            }
        }

        public static Limits defaults() {
            return new Limits(100_000, 100_000, Duration.ofHours(24));
        }
    }

    private final MemoryEngine engine;
    private final boolean ownsEngine;
    private volatile BrokerEventHandler handler;
    private volatile boolean closed;

    /** A single node's broker with the default limits. */
    public MemoryBroker() {
        this(Limits.defaults(), Clock.systemUTC());
    }

    /** A single node's broker. @param clock time for expiry (tests move it) */
    public MemoryBroker(Limits limits, Clock clock) {
        this(new MemoryEngine(limits, clock), true);
    }

    /** A node's connection to an engine other nodes share; closing it leaves the engine running. */
    public MemoryBroker(MemoryEngine engine) {
        this(engine, false);
    }

    private MemoryBroker(MemoryEngine engine, boolean ownsEngine) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.ownsEngine = ownsEngine;
    }

    /** The bounds of what its engine keeps (for tests and diagnostics). */
    public Limits limits() {
        return engine.limits();
    }

    @Override
    public void start(BrokerEventHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
        engine.attach(this);
    }

    @Override
    public CompletionStage<PublishResult> publish(Target target, Notification notification, PublishOptions options) {
        return running() ? engine.publish(target, notification, options) : MemoryEngine.unavailable();
    }

    @Override
    public CompletionStage<HistoryResult> history(Target target, HistoryQuery query) {
        return running() ? engine.history(target, query) : MemoryEngine.unavailable();
    }

    @Override
    public CompletionStage<Void> subscribe(Target target) {
        if (!running()) {
            return MemoryEngine.unavailable();
        }
        engine.changeInterest(target.streamKey(), this, true);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> unsubscribe(Target target) {
        if (!running()) {
            return MemoryEngine.unavailable();
        }
        engine.changeInterest(target.streamKey(), this, false);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<ControlReply>> control(ControlCommand command) {
        return running() ? engine.control(command) : MemoryEngine.unavailable();
    }

    private boolean running() {
        return !closed && handler != null && !engine.isClosed();
    }

    void onPublication(Publication p) {
        handler.onPublication(p);
    }

    ControlReply onControl(ControlCommand command) {
        return handler.onControl(command);
    }

    void onGap(Gap gap) {
        try {
            handler.onGap(gap);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the node failed to handle " + gap, e);
        }
    }

    /** Runs the engine's sweep now; for tests. */
    void sweep() {
        engine.sweep();
    }

    @Override
    public long historyStreams() {
        return engine.streamCount();
    }

    @Override
    public long historyEntries() {
        return engine.entryCount();
    }

    int keyCount() {
        return engine.keyCount();
    }

    @Override
    public void close() {
        closed = true;
        engine.detach(this);
        if (ownsEngine) {
            engine.close();
        }
    }
}
