package dev.socketserver.broker.redis;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerEventHandler;
import dev.socketserver.broker.ControlCommand;
import dev.socketserver.broker.ControlReply;
import dev.socketserver.broker.Gap;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.broker.HistoryResult;
import dev.socketserver.broker.PublishOptions;
import dev.socketserver.broker.PublishResult;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Publication;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import dev.socketserver.redis.Bytes;
import dev.socketserver.redis.RedisLink;
import dev.socketserver.redis.Script;
import dev.socketserver.redis.Shard;
import dev.socketserver.stats.EngineGauges;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link Broker} of a node sharing streams with other nodes through Redis. How it keeps the
 * Broker rules:
 * <ul>
 *   <li><b>Ordering domain.</b> One publish is one script on the stream's shard (idempotency
 *   check, offset, history append and trim, position, {@code PUBLISH}); Redis runs scripts one
 *   at a time, and a history read is a script too. Each shard's pub/sub connection (in a
 *   cluster, the slot owner's, with sharded pub/sub) delivers in the order Redis published;
 *   a stream's messages are handed to the node on one delivery lane (a thread chosen by the
 *   stream) under the stream's {@link Follower} lock, one at a time. Interest changes are
 *   batched per connection in the order made; an unsubscribe ends the stream on its lane once
 *   Redis confirmed it, after every message published before it.</li>
 *   <li><b>Gaps.</b> The last offset handed over is tracked per followed stream. A jump (or a new
 *   epoch not at offset 1) holds the stream's messages while the missing ones are read from
 *   history once, then hands them over in order without duplicates; only what history no longer
 *   holds becomes {@link Gap.Stream}. A lost pub/sub connection makes the node not ready
 *   ({@link BrokerEventHandler#onLinkLost}); once it is back, every followed stream is subscribed
 *   again and repaired the same way, so clients are not all closed for a blip: only streams that
 *   cannot be repaired (a new epoch, publications without history) become {@link Gap.Stream}.
 *   {@link Gap.LinkLost} is not used.</li>
 *   <li><b>Positions.</b> A stream's epoch is made by the script when the stream has no state:
 *   from the Redis run id (new after a restart), the window of the position TTL it falls in and
 *   the evictions so far, so a Redis that lost its data gives new epochs and a stream whose
 *   state expired or was evicted comes back under a new one. Every node must use the same
 *   {@code HISTORY_META_TTL} and have a synchronised clock (entries' ages are judged by the
 *   publishing node's clock).</li>
 *   <li><b>Bounds.</b> Every key has a TTL (history: its publications' age; position:
 *   {@code HISTORY_META_TTL}; idempotency keys: their window); the number of streams and keys
 *   is bounded by Redis's memory ({@code maxmemory} with an eviction policy: a stream evicted
 *   comes back under a new epoch, an evicted key is forgotten early).</li>
 *   <li><b>Control.</b> One channel per prefix that every node listens to, replies on a channel
 *   per requesting node; the live nodes are a sorted set scored by their last heartbeat, and
 *   {@link #control} waits for each of them for at most {@code REDIS_TIMEOUT}.</li>
 *   <li>Redis unreachable: calls fail with {@code UNAVAILABLE} at once (commands are rejected
 *   while a connection is down) or after {@code REDIS_TIMEOUT}.</li>
 * </ul>
 */
public final class RedisBroker implements Broker, EngineGauges {
    private static final Logger LOG = Logger.getLogger(RedisBroker.class.getName());
    static final Script PUBLISH = Script.load(RedisBroker.class, "publish.lua");
    static final Script HISTORY = Script.load(RedisBroker.class, "history.lua");
    /** At most this many publications are read to repair one stream; a larger hole is a gap. */
    static final int REPAIR_MAX = 10_000;
    /** Messages held for a stream while it is repaired; beyond, they are handed over with a gap. */
    static final int PENDING_MAX = 100_000;
    static final Duration HEARTBEAT = Duration.ofMillis(500);
    /** A node not heard of for this long is not waited for by control. */
    static final Duration NODE_LIVENESS = Duration.ofSeconds(5);
    /** A node silent for this long is removed from the registry. */
    static final Duration REGISTRY_FORGET = Duration.ofMinutes(1);

    private final RedisLink link;
    private final String nodeId;
    private final Clock clock;
    private final Duration positionTtl;
    private final Runnable onClose;
    private final Map<String, Follower> followers = new ConcurrentHashMap<>();
    private final Map<String, PendingControl> controls = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final byte[] controlChannel;
    private final byte[] replyChannel;
    private final byte[] nodesKey;
    private final ScheduledExecutorService timer;
    private final ExecutorService controlRunner;
    /**
     * Threads that hand publications to the node, a stream always on the same one (so in
     * order): never Lettuce's I/O threads, which a slow handler would stall for every connection.
     */
    private final ExecutorService[] lanes;
    /** Shards whose pub/sub connection was lost and is not subscribed again yet. */
    private final Set<Shard> lostShards = ConcurrentHashMap.newKeySet();
    private volatile boolean commandsFailing;
    private volatile boolean linkDown;
    private volatile BrokerEventHandler handler;
    private volatile boolean closed;

    RedisBroker(RedisLink link, String nodeId, Duration positionTtl, Clock clock, Runnable onClose) {
        this.link = Objects.requireNonNull(link, "link");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.positionTtl = Objects.requireNonNull(positionTtl, "positionTtl");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.onClose = onClose;
        this.controlChannel = link.global("ctl");
        this.replyChannel = link.global("ctl:" + nodeId);
        this.nodesKey = link.global("nodes");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "socket-server-redis-heartbeat"));
        this.controlRunner = Executors.newSingleThreadExecutor(r -> daemon(r, "socket-server-redis-control"));
        this.lanes = new ExecutorService[Math.max(2, Runtime.getRuntime().availableProcessors())];
        for (int i = 0; i < lanes.length; i++) {
            String name = "socket-server-redis-delivery-" + i;
            lanes[i] = Executors.newSingleThreadExecutor(r -> daemon(r, name));
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void start(BrokerEventHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
        // Plain messages on each shard's connection (streams, and control); in a cluster, stream
        // messages are sharded ones on the slot owners' connections (Lettuce would also pass
        // those on to the cluster connection's listeners: they are heard once, here).
        RedisPubSubAdapter<byte[], byte[]> plain = new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] channel, byte[] message) {
                onMessage(channel, message);
            }
        };
        link.onStreamMessage(new RedisPubSubAdapter<>() {
            @Override
            public void smessage(byte[] channel, byte[] message) {
                onMessage(channel, message);
            }
        });
        for (Shard s : link.shards()) {
            s.pubsub().addListener(plain);
        }
        link.addListener(new RedisLink.PubSubListener() {
            @Override
            public void disconnected(Shard shard) {
                lostShards.add(shard);
                updateLink("Redis pub/sub connection lost (shard " + shard.index() + ")");
            }

            @Override
            public void connected(Shard shard) {
                if (!closed) {
                    timer.execute(RedisBroker.this::heartbeat);
                }
            }
        });
        Shard home = link.home();
        join(RedisLink.call(() -> home.pubsub().async().subscribe(controlChannel, replyChannel)));
        join(RedisLink.call(() -> home.commands().zadd(nodesKey, System.currentTimeMillis(), Bytes.utf8(nodeId))));
        long every = HEARTBEAT.toMillis();
        timer.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    private <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(link.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS).join();
    }

    private boolean running() {
        return !closed && handler != null;
    }

    private static <T> CompletionStage<T> unavailable() {
        return CompletableFuture.failedFuture(new ServerException(ErrorCode.UNAVAILABLE, "broker is not running"));
    }

    private byte[] channelOf(Target t) {
        return link.streamChannel(t.streamKey());
    }

    // ---- publish and history ---------------------------------------------------------------

    @Override
    public CompletionStage<PublishResult> publish(Target target, Notification notification, PublishOptions options) {
        if (!running()) {
            return unavailable();
        }
        String sk = target.streamKey();
        Shard shard = link.shardOf(sk);
        String key = options.idempotencyKey();
        boolean history = options.keepsHistory();
        byte[][] keys = {link.key("s", sk, "m"), link.key("s", sk, "h"),
                key == null ? link.key("s", sk, "m") : link.key("s", sk, "k:" + key)};
        CompletionStage<List<Object>> r = link.eval(shard, PUBLISH, ScriptOutputType.MULTI, keys,
                channelOf(target), Codec.encode(notification), Bytes.utf8(clock.millis()),
                Bytes.utf8(history ? options.historySize() : 0), Bytes.utf8(history ? options.historyTtl().toMillis() : 0),
                Bytes.utf8(key == null ? 0 : Math.max(1, options.idempotencyWindow().toMillis())),
                Bytes.utf8(positionTtl.toMillis()), Bytes.utf8(link.cluster() ? "1" : "0"));
        return r.thenApply(reply -> new PublishResult(Codec.position(Bytes.string((byte[]) reply.get(1))),
                Bytes.number(reply.get(0)) == 1));
    }

    @Override
    public CompletionStage<HistoryResult> history(Target target, HistoryQuery query) {
        if (!running()) {
            return unavailable();
        }
        return read(target, query);
    }

    private CompletionStage<HistoryResult> read(Target target, HistoryQuery query) {
        String sk = target.streamKey();
        StreamPosition since = query.since();
        CompletionStage<List<Object>> r = link.eval(link.shardOf(sk), HISTORY, ScriptOutputType.MULTI,
                new byte[][] {link.key("s", sk, "m"), link.key("s", sk, "h")},
                Bytes.utf8(clock.millis()), Bytes.utf8(positionTtl.toMillis()),
                Bytes.utf8(since == null ? -1 : since.offset()), Bytes.utf8(since == null ? "" : since.epoch()),
                Bytes.utf8(query.limit()), Bytes.utf8(query.reverse() ? "1" : "0"));
        return r.thenApply(reply -> {
            String epoch = Bytes.string((byte[]) reply.get(0));
            StreamPosition top = new StreamPosition(Bytes.number(reply.get(1)), epoch);
            List<Publication> out = new ArrayList<>(reply.size() - 3);
            for (int i = 3; i < reply.size(); i++) {
                Codec.Message m = Codec.entry((byte[]) reply.get(i), epoch);
                out.add(new Publication(target, m.notification(), m.position()));
            }
            if (query.reverse()) {
                java.util.Collections.reverse(out);
            }
            return new HistoryResult(out, top, Bytes.number(reply.get(2)));
        });
    }

    // ---- interest ---------------------------------------------------------------------------

    @Override
    public CompletionStage<Void> subscribe(Target target) {
        if (!running()) {
            return unavailable();
        }
        Shard shard = link.shardOf(target.streamKey());
        byte[] channel = channelOf(target);
        Follower now = followers.compute(Bytes.string(channel), (k, f) -> {
            Follower out = f == null ? new Follower(target, channel, shard, laneOf(k)) : f;
            out.wanted = true;
            return out;
        });
        CompletionStage<Void> subscribed = link.subscribeStreams(shard, List.of(channel));
        // The position after the subscription took effect: what a link loss is repaired from
        // when no message of the stream arrived before it.
        subscribed.thenCompose(v -> read(target, new HistoryQuery(null, 0, false))).whenComplete((h, e) -> {
            if (h != null) {
                synchronized (now) {
                    now.known = h.position();
                }
            }
        });
        return subscribed;
    }

    @Override
    public CompletionStage<Void> unsubscribe(Target target) {
        if (!running()) {
            return unavailable();
        }
        byte[] channel = channelOf(target);
        String name = Bytes.string(channel);
        followers.computeIfPresent(name, (k, f) -> {
            f.wanted = false;
            return f;
        });
        Shard shard = link.shardOf(target.streamKey());
        // Publications made before the unsubscribe are still handed over: the follower goes
        // once Redis confirmed it, after every message published before it.
        return link.unsubscribeStreams(shard, List.of(channel)).whenComplete((v, e) -> {
            Follower f = followers.get(name);
            if (f != null) {
                // On the stream's lane, after the messages that arrived before the confirmation.
                runOn(f.lane, () -> followers.computeIfPresent(name, (k, now) -> {
                    if (now.wanted) {
                        return now;
                    }
                    synchronized (now) {
                        now.closed = true;
                        now.pending.clear();
                    }
                    return null;
                }));
            }
        });
    }

    private static void runOn(java.util.concurrent.Executor lane, Runnable task) {
        try {
            lane.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the broker closed meanwhile
        }
    }

    // ---- delivery -----------------------------------------------------------------------------

    private void onMessage(byte[] channel, byte[] message) {
        if (closed || handler == null) {
            return;
        }
        if (java.util.Arrays.equals(channel, controlChannel)) {
            onControlRequest(message);
            return;
        }
        if (java.util.Arrays.equals(channel, replyChannel)) {
            onControlResponse(message);
            return;
        }
        Follower f = followers.get(Bytes.string(channel));
        if (f == null) {
            return;
        }
        runOn(f.lane, () -> deliver(f, message));
    }

    private ExecutorService laneOf(String channel) {
        return lanes[(channel.hashCode() & 0x7fffffff) % lanes.length];
    }

    private void deliver(Follower f, byte[] message) {
        Codec.Message m;
        try {
            m = Codec.message(message);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "an unreadable message on " + f.target.streamKey() + "; it is a gap", e);
            reportGap(f.target);
            return;
        }
        boolean gap;
        synchronized (f) {
            if (f.closed) {
                return;
            }
            if (f.repairing) {
                gap = hold(f, m);
            } else {
                gap = !take(f, m, true);
            }
        }
        if (gap) {
            reportGap(f.target);
        }
    }

    /** Holding f: keeps m until the repair ends; false unless too many are held. */
    private boolean hold(Follower f, Codec.Message m) {
        if (f.pending.size() < PENDING_MAX) {
            f.pending.add(m);
            return false;
        }
        return true;
    }

    /**
     * Holding f: hands m over if it follows what the node has, drops it if the node has it, and
     * otherwise starts a repair (when allowed) or hands it over anyway. False when the node may
     * have a gap.
     */
    private boolean take(Follower f, Codec.Message m, boolean mayRepair) {
        StreamPosition p = m.position();
        if (p == null) {
            f.unpositioned = true;
            return hand(f, m);
        }
        StreamPosition ref = f.reference();
        boolean sameEpoch = ref != null && ref.epoch().equals(p.epoch());
        if (f.last >= 0 && sameEpoch && p.offset() <= f.last) {
            return true; // the node has it (delivered by a repair)
        }
        boolean follows = ref == null
                || (sameEpoch && (f.last < 0 ? p.offset() <= ref.offset() + 1 : p.offset() == ref.offset() + 1))
                || (!sameEpoch && p.offset() == 1);
        if (follows || !mayRepair) {
            f.epoch = p.epoch();
            f.last = p.offset();
            return hand(f, m) && follows;
        }
        repair(f, sameEpoch ? ref : new StreamPosition(0, p.epoch()), m);
        return true;
    }

    private boolean hand(Follower f, Codec.Message m) {
        try {
            handler.onPublication(new Publication(f.target, m.notification(), m.position()));
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the node failed to take a publication of " + f.target.streamKey() + "; it is told of a gap", e);
            return false;
        }
    }

    /** Holding f: reads what follows {@code since} from history, holding the stream's messages meanwhile. */
    private void repair(Follower f, StreamPosition since, Codec.Message trigger) {
        f.repairing = true;
        if (trigger != null) {
            f.pending.add(trigger);
        }
        read(f.target, new HistoryQuery(since, REPAIR_MAX, false))
                .whenComplete((h, e) -> runOn(f.lane, () -> repaired(f, since, h, e)));
    }

    private void repaired(Follower f, StreamPosition since, HistoryResult h, Throwable e) {
        boolean gap = false;
        synchronized (f) {
            if (f.closed) {
                return;
            }
            f.repairing = false;
            if (e != null) {
                LOG.log(Level.WARNING, "repairing " + f.target.streamKey() + " from history failed; it is a gap", e);
                gap = true;
            } else if (!h.position().epoch().equals(since.epoch())) {
                gap = true; // the history it continued is gone
                f.epoch = h.position().epoch();
                f.last = h.position().offset();
            } else {
                if (f.last < 0 || !since.epoch().equals(f.epoch)) {
                    f.epoch = since.epoch();
                    f.last = since.offset();
                }
                for (Publication p : h.publications()) {
                    long o = p.position().offset();
                    if (o <= f.last) {
                        continue;
                    }
                    if (o > f.last + 1) {
                        gap = true; // history no longer holds the ones before it
                    }
                    f.last = o;
                    gap |= !hand(f, new Codec.Message(p.position(), p.notification()));
                }
                if (f.pending.isEmpty() && f.last < h.position().offset()) {
                    gap = true;
                    f.last = h.position().offset();
                }
            }
            while (!f.pending.isEmpty()) {
                gap |= !take(f, f.pending.poll(), false);
            }
        }
        if (gap) {
            reportGap(f.target);
        }
    }

    private void reportGap(Target t) {
        BrokerEventHandler h = handler;
        if (h == null || closed) {
            return;
        }
        try {
            h.onGap(new Gap.Stream(t));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the node failed to handle a gap of " + t.streamKey(), e);
        }
    }

    // ---- link ---------------------------------------------------------------------------------

    /** Keeps this node in the registry, and brings lost pub/sub connections back into service. */
    private void heartbeat() {
        if (closed) {
            return;
        }
        try {
            Shard home = link.home();
            long now = System.currentTimeMillis();
            // Nodes that died without leaving (a new id per start) drop out of the registry.
            RedisLink.call(() -> home.commands().zremrangebyscore(nodesKey,
                    Range.create(Double.NEGATIVE_INFINITY, (double) (now - REGISTRY_FORGET.toMillis()))));
            RedisLink.call(() -> home.commands().zadd(nodesKey, now, Bytes.utf8(nodeId)))
                    .toCompletableFuture().orTimeout(link.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((v, e) -> {
                        commandsFailing = e != null;
                        updateLink(e == null ? null : "Redis is unreachable");
                    }).exceptionally(e -> null).toCompletableFuture().join();
            for (Shard s : link.shards()) {
                if (!s.pubsub().isOpen()) {
                    if (lostShards.add(s)) {
                        updateLink("Redis pub/sub connection lost (shard " + s.index() + ")");
                    }
                } else if (lostShards.contains(s)) {
                    resubscribe(s);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Redis heartbeat failed; the next one runs as scheduled", e);
        }
    }

    /** Subscribes every followed stream of the shard again, then repairs each from its last position. */
    private void resubscribe(Shard shard) {
        List<Follower> mine = new ArrayList<>();
        List<byte[]> channels = new ArrayList<>();
        for (Follower f : followers.values()) {
            if (f.shard.equals(shard) && f.wanted) {
                mine.add(f);
                channels.add(f.channel);
            }
        }
        try {
            link.subscribeStreams(shard, channels).toCompletableFuture().get(link.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (shard.equals(link.home())) {
                RedisLink.call(() -> shard.pubsub().async().subscribe(controlChannel, replyChannel)).toCompletableFuture()
                        .get(link.timeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            return; // the next heartbeat tries again
        }
        lostShards.remove(shard);
        LOG.info(() -> "Redis pub/sub connection back (" + shard + "): " + mine.size() + " stream(s) subscribed again");
        for (Follower f : mine) {
            boolean gap = false;
            synchronized (f) {
                if (f.closed || f.repairing) {
                    continue;
                }
                StreamPosition ref = f.reference();
                if (ref == null || f.unpositioned) {
                    gap = true; // nothing to repair from
                } else {
                    repair(f, ref, null);
                }
            }
            if (gap) {
                reportGap(f.target);
            }
        }
        updateLink(null);
    }

    /**
     * Each shard by its place in {@code REDIS_ADDRESSES}: up while its pub/sub connection is
     * open and followed streams are subscribed on it (a shard whose subscriptions are being
     * restored counts as down until they are), and its command connection is open.
     */
    @Override
    public Map<String, Boolean> links() {
        Map<String, Boolean> links = new java.util.TreeMap<>();
        for (Shard s : link.shards()) {
            links.put(String.valueOf(s.index()),
                    s.connection().isOpen() && s.pubsub().isOpen() && !lostShards.contains(s));
        }
        return links;
    }

    private synchronized void updateLink(String problem) {
        boolean down = commandsFailing || !lostShards.isEmpty();
        if (down == linkDown || closed) {
            return;
        }
        linkDown = down;
        BrokerEventHandler h = handler;
        if (h == null) {
            return;
        }
        try {
            if (down) {
                h.onLinkLost(problem != null ? problem : "Redis is unreachable");
            } else {
                h.onLinkRestored();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the node failed to handle a link change", e);
        }
    }

    // ---- control ------------------------------------------------------------------------------

    /** Replies to one control request, collected until every node expected has answered. */
    private static final class PendingControl {
        final CompletableFuture<List<ControlReply>> done = new CompletableFuture<>();
        final Map<String, ControlCodec.Response> replies = new ConcurrentHashMap<>();
        volatile Set<String> expected;

        synchronized void add(ControlCodec.Response r) {
            replies.put(r.node(), r);
            check();
        }

        synchronized void expect(Set<String> nodes) {
            expected = nodes;
            check();
        }

        private void check() {
            if (expected == null || !replies.keySet().containsAll(expected) || done.isDone()) {
                return;
            }
            List<ControlReply> out = new ArrayList<>();
            for (ControlCodec.Response r : replies.values()) {
                if (r.error() != null) {
                    done.completeExceptionally(new ServerException(ErrorCode.INTERNAL,
                            "node " + r.node() + " failed to answer: " + r.error()));
                    return;
                }
                out.add(r.reply());
            }
            done.complete(out);
        }

        synchronized Set<String> missing() {
            Set<String> m = new HashSet<>(expected == null ? Set.of() : expected);
            m.removeAll(replies.keySet());
            return m;
        }
    }

    @Override
    public CompletionStage<List<ControlReply>> control(ControlCommand command) {
        if (!running()) {
            return unavailable();
        }
        String id = nodeId + "/" + requests.incrementAndGet();
        PendingControl pending = new PendingControl();
        controls.put(id, pending);
        Shard home = link.home();
        long now = System.currentTimeMillis();
        byte[] request = ControlCodec.request(new ControlCodec.Request(id, nodeId, command));
        RedisLink.call(() -> home.commands().zrangebyscore(nodesKey, Range.create(now - NODE_LIVENESS.toMillis(), Double.POSITIVE_INFINITY)))
                .thenCompose(nodes -> {
                    Set<String> live = new HashSet<>();
                    nodes.forEach(n -> live.add(Bytes.string(n)));
                    live.add(nodeId);
                    pending.expect(live);
                    return RedisLink.call(() -> home.commands().publish(controlChannel, request));
                })
                .whenComplete((v, e) -> {
                    if (e != null) {
                        pending.done.completeExceptionally(RedisLink.unavailable(e));
                    }
                });
        return pending.done.orTimeout(link.timeout().toMillis(), TimeUnit.MILLISECONDS).handle((replies, e) -> {
            controls.remove(id);
            if (e == null) {
                return replies;
            }
            Throwable c = RedisLink.cause(e);
            if (c instanceof TimeoutException) {
                throw new ServerException(ErrorCode.UNAVAILABLE, "node(s) " + pending.missing() + " did not answer within "
                        + link.timeout().toMillis() + " ms");
            }
            throw c instanceof RuntimeException re ? re : new ServerException(ErrorCode.UNAVAILABLE, String.valueOf(c));
        });
    }

    private void onControlRequest(byte[] message) {
        ControlCodec.Request request;
        try {
            request = ControlCodec.request(message);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "an unreadable control request", e);
            return;
        }
        controlRunner.execute(() -> {
            ControlCodec.Response response;
            try {
                response = new ControlCodec.Response(request.id(), nodeId, handler.onControl(request.command()), null);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "answering " + request.command(), e);
                response = new ControlCodec.Response(request.id(), nodeId, null, String.valueOf(e.getMessage()));
            }
            byte[] bytes = ControlCodec.response(response);
            Shard home = link.home();
            RedisLink.call(() -> home.commands().publish(link.global("ctl:" + request.from()), bytes));
        });
    }

    private void onControlResponse(byte[] message) {
        ControlCodec.Response r;
        try {
            r = ControlCodec.response(message);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "an unreadable control reply", e);
            return;
        }
        PendingControl pending = controls.get(r.id());
        if (pending != null) {
            pending.add(r);
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    /** Streams this node follows now; for tests. */
    int followedStreams() {
        return followers.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        controlRunner.shutdownNow();
        for (ExecutorService lane : lanes) {
            lane.shutdownNow();
        }
        Shard home = link.home();
        try {
            RedisLink.call(() -> home.commands().zrem(nodesKey, Bytes.utf8(nodeId))).toCompletableFuture()
                    .get(link.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(Level.FINE, "leaving the node registry", e);
        }
        for (Shard s : link.shards()) {
            List<byte[]> channels = new ArrayList<>();
            followers.values().stream().filter(f -> f.shard.equals(s)).forEach(f -> channels.add(f.channel));
            link.unsubscribeStreams(s, channels);
        }
        RedisLink.call(() -> home.pubsub().async().unsubscribe(controlChannel, replyChannel));
        followers.clear();
        controls.values().forEach(p -> p.done.completeExceptionally(
                new ServerException(ErrorCode.UNAVAILABLE, "broker is not running")));
        if (onClose != null) {
            onClose.run();
        }
    }
}
