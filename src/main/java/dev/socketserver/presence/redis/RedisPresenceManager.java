package dev.socketserver.presence.redis;

import dev.socketserver.presence.ClientInfo;
import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.PresenceStats;
import dev.socketserver.redis.Bytes;
import dev.socketserver.redis.RedisLink;
import dev.socketserver.redis.Script;
import dev.socketserver.redis.Shard;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link PresenceManager} of nodes sharing Redis. A room is one hash on the room's shard:
 * client id to {@code nodeId NL incarnation NL userId}. A node lives while its liveness key
 * ({@code prefix:alive:nodeId}, on the home shard, TTL {@code PRESENCE_TTL}) holds the
 * incarnation its entries carry: one refresh per node keeps all its entries. A node found dead
 * by a refresh gets a new incarnation, so its older entries stay dead even once it lives again;
 * {@link #presence} leaves out entries whose node is dead or of another incarnation and deletes
 * them on the way. Calls for one room go over one connection in the order made.
 */
public final class RedisPresenceManager implements PresenceManager {
    private static final Script REFRESH = Script.load(RedisPresenceManager.class, "refresh.lua");
    private static final Script PRUNE = Script.load(RedisPresenceManager.class, "prune.lua");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RedisLink link;
    private final Duration ttl;
    private final Runnable onClose;
    /**
     * The incarnation of each node this manager adds entries for: made on first use, so entries
     * added before the node's first refresh carry the one that refresh makes live.
     */
    private final Map<String, Incarnation> incarnations = new ConcurrentHashMap<>();

    /** @param confirmed a refresh has set it in Redis (a later refresh that finds it gone makes a new one) */
    private record Incarnation(String id, boolean confirmed) {
    }

    private Incarnation incarnationOf(String nodeId) {
        return incarnations.computeIfAbsent(nodeId, n -> new Incarnation(newId(), false));
    }

    private static String newId() {
        return Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    }
    private volatile boolean closed;

    /** @param onClose run once on {@link #close()} (releases the shared connections when nothing else uses them) */
    public RedisPresenceManager(RedisLink link, Duration ttl, Runnable onClose) {
        this.link = Objects.requireNonNull(link, "link");
        this.ttl = Objects.requireNonNull(ttl, "ttl");
        this.onClose = onClose;
    }

    private byte[] roomKey(String room) {
        return link.key("p", "room:" + room, "p");
    }

    private Shard shardOf(String room) {
        // The room's stream lives on the same shard.
        return link.shardOf("room:" + room);
    }

    private byte[] aliveKey(String nodeId) {
        return link.global("alive:" + nodeId);
    }

    @Override
    public CompletionStage<Void> add(String room, ClientInfo client) {
        String inc = incarnationOf(client.nodeId()).id();
        byte[] value = Bytes.utf8(client.nodeId() + "\n" + inc + "\n" + client.userId());
        Shard s = shardOf(room);
        return RedisLink.call(() -> s.commands().hset(roomKey(room), Bytes.utf8(client.clientId()), value)).thenApply(v -> null);
    }

    @Override
    public CompletionStage<Void> remove(String room, String clientId) {
        Shard s = shardOf(room);
        return RedisLink.call(() -> s.commands().hdel(roomKey(room), Bytes.utf8(clientId))).thenApply(v -> null);
    }

    @Override
    public CompletionStage<Boolean> refresh(String nodeId) {
        Incarnation known = incarnationOf(nodeId);
        // The first refresh makes the incarnation its entries already carry live; a later one
        // that finds the node dead starts a new incarnation, leaving the old entries dead.
        String next = known.confirmed() ? newId() : known.id();
        CompletionStage<Long> r = link.eval(link.home(), REFRESH, ScriptOutputType.INTEGER,
                new byte[][] {aliveKey(nodeId)}, Bytes.utf8(known.id()), Bytes.utf8(next), Bytes.utf8(ttl.toMillis()));
        return r.thenApply(alive -> {
            if (alive == 1) {
                incarnations.replace(nodeId, known, new Incarnation(known.id(), true));
                return true;
            }
            incarnations.put(nodeId, new Incarnation(next, true));
            return false;
        });
    }

    @Override
    public CompletionStage<Void> removeNode(String nodeId) {
        incarnations.remove(nodeId);
        Shard home = link.home();
        return RedisLink.call(() -> home.commands().del(aliveKey(nodeId))).thenApply(v -> null);
    }

    /** One entry as stored. */
    private record Entry(String clientId, String nodeId, String incarnation, String userId, byte[] raw) {
    }

    /** The room's entries of live nodes; those of dead nodes are deleted on the way. */
    private CompletionStage<Map<String, ClientInfo>> live(String room) {
        Shard s = shardOf(room);
        byte[] key = roomKey(room);
        return RedisLink.call(() -> s.commands().hgetall(key)).thenCompose(all -> {
            if (all.isEmpty()) {
                return CompletableFuture.completedFuture(Map.of());
            }
            List<Entry> entries = new ArrayList<>(all.size());
            Set<String> nodes = new HashSet<>();
            all.forEach((k, v) -> {
                String[] parts = Bytes.string(v).split("\n", 3);
                if (parts.length == 3) {
                    entries.add(new Entry(Bytes.string(k), parts[0], parts[1], parts[2], v));
                    nodes.add(parts[0]);
                }
            });
            List<String> order = new ArrayList<>(nodes);
            byte[][] keys = order.stream().map(this::aliveKey).toArray(byte[][]::new);
            Shard home = link.home();
            return RedisLink.call(() -> home.commands().mget(keys)).thenCompose(values -> {
                Map<String, String> incarnation = new HashMap<>();
                for (int i = 0; i < values.size(); i++) {
                    KeyValue<byte[], byte[]> kv = values.get(i);
                    if (kv.hasValue()) {
                        incarnation.put(order.get(i), Bytes.string(kv.getValue()));
                    }
                }
                Map<String, ClientInfo> out = new HashMap<>();
                List<byte[]> dead = new ArrayList<>();
                for (Entry e : entries) {
                    if (e.incarnation().equals(incarnation.get(e.nodeId()))) {
                        out.put(e.clientId(), new ClientInfo(e.clientId(), e.userId(), e.nodeId()));
                    } else {
                        dead.add(Bytes.utf8(e.clientId()));
                        dead.add(e.raw());
                    }
                }
                if (dead.isEmpty()) {
                    return CompletableFuture.completedFuture(Map.copyOf(out));
                }
                return link.<Long>eval(s, PRUNE, ScriptOutputType.INTEGER, new byte[][] {key}, dead.toArray(new byte[0][]))
                        .thenApply(v -> Map.copyOf(out));
            });
        });
    }

    @Override
    public CompletionStage<Map<String, ClientInfo>> presence(String room) {
        return live(room);
    }

    @Override
    public CompletionStage<PresenceStats> stats(String room) {
        return live(room).thenApply(m -> {
            Set<String> users = new HashSet<>();
            m.values().forEach(c -> users.add(c.userId()));
            return new PresenceStats(m.size(), users.size());
        });
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (onClose != null) {
            onClose.run();
        }
    }
}
