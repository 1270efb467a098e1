package dev.socketserver.redis;

import dev.socketserver.config.RedisSettings;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.Set;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.RedisPubSubListener;
import java.util.concurrent.TimeUnit;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The shared connections to Redis: one {@link Shard} per address of {@code REDIS_ADDRESSES}, or
 * one for a whole Redis Cluster ({@code REDIS_CLUSTER=true}, where Redis routes each key by its
 * hash slot). Every stream and room is placed on one shard by rendezvous hashing of its name, so
 * adding a shard moves only the names the new one wins. The first shard is the home of what is
 * not per stream: the node registry, control and node liveness.
 *
 * <p>Commands fail fast while a connection is down (they are rejected, not queued) and time out
 * after {@code REDIS_TIMEOUT}; both become {@code UNAVAILABLE}.
 */
public final class RedisLink implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RedisLink.class.getName());

    /** Hears when a pub/sub connection drops or comes back; called on Lettuce's threads, must be quick. */
    public interface PubSubListener {
        void disconnected(Shard shard);

        void connected(Shard shard);
    }

    private final RedisSettings settings;
    private final List<AbstractRedisClient> clients = new ArrayList<>();
    private final List<Shard> shards = new ArrayList<>();
    private final List<PubSubListener> listeners = new CopyOnWriteArrayList<>();
    private final String prefix;
    private volatile boolean closing;
    private RedisClusterClient clusterClient;
    private StatefulRedisClusterPubSubConnection<byte[], byte[]> clusterPubSub;
    /** Pub/sub connections to cluster nodes that already carry the stream listener. */
    private final Set<StatefulRedisPubSubConnection<byte[], byte[]>> listened = ConcurrentHashMap.newKeySet();
    private volatile RedisPubSubListener<byte[], byte[]> streamListener;
    private final Map<StatefulRedisPubSubConnection<byte[], byte[]>, Subscriptions> batchers = new ConcurrentHashMap<>();
    /** Sends batched (un)subscriptions: calls made while it is busy go out together. */
    private final java.util.concurrent.ExecutorService subscriber = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "socket-server-redis-subscriptions");
        t.setDaemon(true);
        return t;
    });
    /** Few threads (the connections are few), and reconnect attempts at most a second apart. */
    private final ClientResources resources = DefaultClientResources.builder()
            .ioThreadPoolSize(2)
            .computationThreadPoolSize(2)
            .reconnectDelay(Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
            .build();

    private RedisLink(RedisSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.prefix = settings.prefix();
    }

    /**
     * Connects to every shard; fails with {@code UNAVAILABLE} if one cannot be reached within
     * {@code REDIS_TIMEOUT} (the deployment does not start half connected).
     */
    public static RedisLink connect(RedisSettings settings) {
        RedisLink link = new RedisLink(settings);
        try {
            if (settings.cluster()) {
                link.connectCluster();
            } else {
                link.connectShards();
            }
            return link;
        } catch (RuntimeException e) {
            link.close();
            throw new ServerException(ErrorCode.UNAVAILABLE, "cannot connect to Redis " + settings.redactedAddresses()
                    + ": " + e.getMessage());
        }
    }

    private ClientOptions.Builder options(ClientOptions.Builder b) {
        return b.autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(settings.timeout()).keepAlive(true).build());
    }

    private RedisURI uri(String address) {
        RedisURI u = RedisURI.create(address);
        u.setTimeout(settings.timeout());
        return u;
    }

    private void connectShards() {
        for (String address : settings.addresses()) {
            RedisClient client = RedisClient.create(resources, uri(address));
            client.setOptions(options(ClientOptions.builder()).build());
            clients.add(client);
            StatefulRedisPubSubConnection<byte[], byte[]> pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE);
            StatefulRedisConnection<byte[], byte[]> conn = client.connect(ByteArrayCodec.INSTANCE);
            Shard shard = new Shard(RedisSettings.redact(address), shards.size(), conn, conn.async(), pubsub);
            shards.add(shard);
            watch(client, shard);
        }
    }

    private void connectCluster() {
        List<RedisURI> seeds = new ArrayList<>();
        for (String address : settings.addresses()) {
            seeds.add(uri(address));
        }
        RedisClusterClient client = RedisClusterClient.create(resources, seeds);
        ClusterClientOptions.Builder b = ClusterClientOptions.builder();
        options(b);
        // Connections to cluster nodes are made on first use: commands wait for them (bounded
        // by REDIS_TIMEOUT) instead of being rejected while one is still connecting.
        b.disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS);
        client.setOptions(b.build());
        clients.add(client);
        StatefulRedisClusterConnection<byte[], byte[]> conn = client.connect(ByteArrayCodec.INSTANCE);
        StatefulRedisClusterPubSubConnection<byte[], byte[]> pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE);
        clusterClient = client;
        clusterPubSub = pubsub;
        Shard shard = new Shard("cluster " + settings.redactedAddresses(), 0, conn, conn.async(), pubsub);
        shards.add(shard);
        watch(client, shard);
    }

    private void watch(AbstractRedisClient client, Shard shard) {
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (connection == shard.pubsub() && !closing) {
                    LOG.warning(() -> "Redis pub/sub connection lost: " + shard);
                    listeners.forEach(l -> l.disconnected(shard));
                }
            }

            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connection == shard.pubsub()) {
                    listeners.forEach(l -> l.connected(shard));
                }
            }
        });
    }

    /**
     * The channel of a stream. In a cluster it carries the stream's hash tag: the script
     * publishes it with {@code SPUBLISH} on the node that owns the stream's slot, and this node
     * subscribes there ({@code SSUBSCRIBE}), so a stream's messages, and a subscription's end, are
     * ordered by that one node; elsewhere a plain channel on the stream's shard.
     */
    public byte[] streamChannel(String streamKey) {
        return cluster() ? key("s", streamKey, "c") : global("s:" + streamKey);
    }

    /** Hears every stream message; set once before the first {@link #subscribeStreams}. */
    public void onStreamMessage(RedisPubSubListener<byte[], byte[]> listener) {
        streamListener = listener;
    }

    /** The connection that carries {@code channel}'s messages: the shard's, or the slot owner's in a cluster. */
    private StatefulRedisPubSubConnection<byte[], byte[]> carrier(Shard shard, byte[] channel) {
        if (!cluster()) {
            return shard.pubsub();
        }
        RedisClusterNode owner = clusterClient.getPartitions().getMasterBySlot(SlotHash.getSlot(channel));
        if (owner == null) {
            throw new ServerException(ErrorCode.UNAVAILABLE, "no Redis Cluster node serves the slot of a stream");
        }
        StatefulRedisPubSubConnection<byte[], byte[]> c = clusterPubSub.getConnection(owner.getNodeId());
        if (listened.add(c) && streamListener != null) {
            c.addListener(streamListener);
        }
        return c;
    }

    /** Subscribes to streams' channels (one command per connection). */
    public CompletionStage<Void> subscribeStreams(Shard shard, List<byte[]> channels) {
        return perCarrier(shard, channels, true);
    }

    public CompletionStage<Void> unsubscribeStreams(Shard shard, List<byte[]> channels) {
        return perCarrier(shard, channels, false);
    }

    private CompletionStage<Void> perCarrier(Shard shard, List<byte[]> channels, boolean on) {
        if (channels.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Void>> all = new ArrayList<>();
        try {
            for (byte[] ch : channels) {
                StatefulRedisPubSubConnection<byte[], byte[]> c = carrier(shard, ch);
                Subscriptions batcher = batchers.computeIfAbsent(c, k -> new Subscriptions(k, cluster(), subscriber));
                all.add(batcher.submit(on, ch).toCompletableFuture());
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(unavailable(e));
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
    }

    public void addListener(PubSubListener listener) {
        listeners.add(listener);
    }

    public List<Shard> shards() {
        return List.copyOf(shards);
    }

    /** Where the registry, control channel and node liveness live. */
    public Shard home() {
        return shards.get(0);
    }

    public boolean cluster() {
        return settings.cluster();
    }

    public Duration timeout() {
        return settings.timeout();
    }

    public String prefix() {
        return prefix;
    }

    /** The shard of a stream or room: the one whose hash with the name is highest (rendezvous hashing). */
    public Shard shardOf(String name) {
        if (shards.size() == 1) {
            return shards.get(0);
        }
        Shard best = null;
        long bestScore = Long.MIN_VALUE;
        for (Shard s : shards) {
            long score = mix(fnv(s.name() + "\u0000" + name));
            if (best == null || score > bestScore) {
                best = s;
                bestScore = score;
            }
        }
        return best;
    }

    private static long fnv(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /**
     * A key of one stream or room: {@code prefix:{kind:name}:suffix}. The braces make Redis
     * Cluster hash only the part inside, so every key of one name shares a slot; braces inside the
     * name are escaped so they cannot end the tag early.
     */
    public byte[] key(String kind, String name, String suffix) {
        return Bytes.utf8(prefix + ":{" + kind + ":" + escape(name) + "}:" + suffix);
    }

    /** A key or channel of the whole deployment: {@code prefix:suffix}. */
    public byte[] global(String suffix) {
        return Bytes.utf8(prefix + ":" + suffix);
    }

    static String escape(String name) {
        if (name.indexOf('{') < 0 && name.indexOf('}') < 0 && name.indexOf('%') < 0) {
            return name;
        }
        return name.replace("%", "%25").replace("{", "%7B").replace("}", "%7D");
    }

    /** Runs {@code script} by its SHA1, loading it from source when Redis does not know it (a new or restarted Redis). */
    public <T> CompletionStage<T> eval(Shard shard, Script script, ScriptOutputType type, byte[][] keys, byte[]... args) {
        CompletableFuture<T> out = new CompletableFuture<>();
        RedisFuture<T> f;
        try {
            f = shard.commands().evalsha(script.sha1(), type, keys, args);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(unavailable(e));
        }
        f.whenComplete((v, e) -> {
            if (e == null) {
                out.complete(v);
            } else if (cause(e) instanceof RedisNoScriptException) {
                try {
                    shard.commands().<T>eval(script.source(), type, keys, args).whenComplete((v2, e2) -> {
                        if (e2 == null) {
                            out.complete(v2);
                        } else {
                            out.completeExceptionally(unavailable(e2));
                        }
                    });
                } catch (RuntimeException e3) {
                    out.completeExceptionally(unavailable(e3));
                }
            } else {
                out.completeExceptionally(unavailable(e));
            }
        });
        return out;
    }

    /** A command's stage with Redis errors as {@code UNAVAILABLE}. */
    public static <T> CompletionStage<T> call(java.util.function.Supplier<RedisFuture<T>> command) {
        CompletableFuture<T> out = new CompletableFuture<>();
        try {
            command.get().whenComplete((v, e) -> {
                if (e == null) {
                    out.complete(v);
                } else {
                    out.completeExceptionally(unavailable(e));
                }
            });
        } catch (RuntimeException e) {
            out.completeExceptionally(unavailable(e));
        }
        return out;
    }

    /** {@code e} without the {@code CompletionException} a stage wraps it in. */
    public static Throwable cause(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** Anything that went wrong reaching Redis, as the error the edges map to {@code UNAVAILABLE}. */
    public static ServerException unavailable(Throwable e) {
        Throwable c = cause(e);
        if (c instanceof ServerException se) {
            return se;
        }
        return new ServerException(ErrorCode.UNAVAILABLE, "Redis is unavailable: " + c.getClass().getSimpleName()
                + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")"));
    }

    /** Runs {@code action} for each shard, logging (not throwing) failures: for closing. */
    private void quietly(Consumer<Shard> action) {
        for (Shard s : shards) {
            try {
                action.accept(s);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "closing " + s, e);
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        subscriber.shutdownNow();
        quietly(s -> s.pubsub().close());
        quietly(s -> s.connection().close());
        for (AbstractRedisClient c : clients) {
            try {
                c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "shutting down a Redis client", e);
            }
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
