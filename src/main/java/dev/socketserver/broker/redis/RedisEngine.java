package dev.socketserver.broker.redis;

import dev.socketserver.config.RedisSettings;
import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.redis.RedisPresenceManager;
import dev.socketserver.redis.RedisLink;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's connection to the Redis engine: a {@link RedisBroker} and a
 * {@link RedisPresenceManager} sharing one set of connections ({@link RedisLink}). The
 * connections close when both are closed (the node closes its broker and presence), or at
 * {@link #close()}.
 *
 * <pre>{@code
 * RedisEngine engine = RedisEngine.connect(config.redis(), config.nodeId(),
 *         config.history().metaTtl(), config.presenceTtl());
 * Node node = new Node(..., engine.broker(), engine.presence(), ...);
 * }</pre>
 */
public final class RedisEngine implements AutoCloseable {
    private final RedisLink link;
    private final RedisBroker broker;
    private final RedisPresenceManager presence;
    private final AtomicInteger open = new AtomicInteger(2);

    private RedisEngine(RedisLink link, String nodeId, Duration positionTtl, Duration presenceTtl, Clock clock) {
        this.link = link;
        this.broker = new RedisBroker(link, nodeId, positionTtl, clock, this::release);
        this.presence = new RedisPresenceManager(link, presenceTtl, this::release);
    }

    /**
     * Connects to Redis as {@code settings} say.
     *
     * @param nodeId      this node's id ({@code NODE_ID}): its control replies and registry entry
     * @param positionTtl {@code HISTORY_META_TTL}: how long a quiet stream keeps its position
     *                    (the same on every node)
     * @param presenceTtl {@code PRESENCE_TTL}
     * @throws dev.socketserver.error.ServerException {@code UNAVAILABLE} if a shard cannot be reached
     */
    public static RedisEngine connect(RedisSettings settings, String nodeId, Duration positionTtl, Duration presenceTtl) {
        return connect(settings, nodeId, positionTtl, presenceTtl, Clock.systemUTC());
    }

    /** As above, with the clock that dates publications (tests move it). */
    public static RedisEngine connect(RedisSettings settings, String nodeId, Duration positionTtl, Duration presenceTtl,
                                      Clock clock) {
        return new RedisEngine(RedisLink.connect(settings), nodeId, positionTtl, presenceTtl, clock);
    }

    /** The broker; start it with the node's handler. */
    public RedisBroker broker() {
        return broker;
    }

    public PresenceManager presence() {
        return presence;
    }

    /** The connections, for tests. */
    RedisLink link() {
        return link;
    }

    private void release() {
        if (open.decrementAndGet() == 0) {
            link.close();
        }
    }

    /** Closes the broker, the presence manager and the connections. */
    @Override
    public void close() {
        broker.close();
        presence.close();
    }
}
