package dev.socketserver.broker.redis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.broker.Gap;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.broker.HistoryResult;
import dev.socketserver.broker.PublishOptions;
import dev.socketserver.broker.PublishResult;
import dev.socketserver.broker.RecordingNode;
import dev.socketserver.config.RedisSettings;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.message.Notification;
import dev.socketserver.message.Publication;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import dev.socketserver.presence.ClientInfo;
import dev.socketserver.redis.Bytes;
import dev.socketserver.redis.RedisLink;
import dev.socketserver.testing.RedisServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What only a networked engine can get wrong: Redis restarting empty, pub/sub messages that
 * never arrive, connections killed under load, real expiry; and what a publication costs in
 * Redis and on pub/sub (printed for docs/SCALING.md).
 */
class RedisEngineTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final List<RedisEngine> engines = new ArrayList<>();
    private final List<RedisServers.Server> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        engines.forEach(RedisEngine::close);
        servers.forEach(RedisServers.Server::stop);
    }

    private RedisEngine engine(RedisSettings settings, RecordingNode node) {
        RedisEngine e = RedisEngine.connect(settings, "node-" + UUID.randomUUID(), Duration.ofHours(1), Duration.ofSeconds(3),
                Clock.systemUTC());
        e.broker().start(node);
        engines.add(e);
        return e;
    }

    private RedisServers.Server ownServer() {
        RedisServers.Server s = RedisServers.start();
        servers.add(s);
        return s;
    }

    private static <T> T join(CompletionStage<T> s) {
        return s.toCompletableFuture().orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    private static Notification note(String id) {
        return new Notification("info", id, "{\"n\":\"" + id + "\"}");
    }

    private static PublishOptions history(int size) {
        return new PublishOptions(size, Duration.ofMinutes(5), null, Duration.ofMinutes(5));
    }

    private static Target room() {
        return Target.room("engine-" + UUID.randomUUID());
    }

    /** Runs the publish script as a node would, but onto a channel nobody hears: the message is "lost". */
    private static PublishResult publishUnheard(RedisEngine e, Target t, Notification n, int size) {
        RedisLink link = e.link();
        String sk = t.streamKey();
        List<Object> r = join(link.eval(link.shardOf(sk), RedisBroker.PUBLISH, ScriptOutputType.MULTI,
                new byte[][] {link.key("s", sk, "m"), link.key("s", sk, "h"), link.key("s", sk, "m")},
                link.global("nobody-listens"), Codec.encode(n), Bytes.utf8(System.currentTimeMillis()), Bytes.utf8(size),
                Bytes.utf8(300_000), Bytes.utf8(0), Bytes.utf8(3_600_000), Bytes.utf8("0")));
        return new PublishResult(Codec.position(Bytes.string((byte[]) r.get(1))), false);
    }

    private static List<Long> offsets(RecordingNode node, Target t) {
        return node.receivedFor(t).stream().map(p -> p.position().offset()).toList();
    }

    @Test
    void aMissedMessageIsRepairedFromHistoryInOrderWithoutDuplicatesOrGap() {
        RecordingNode node = new RecordingNode("a");
        RedisEngine e = engine(RedisServers.settings(RedisServers.shared(), false), node);
        Target t = room();
        join(e.broker().subscribe(t));
        join(e.broker().publish(t, note("1"), history(100)));
        publishUnheard(e, t, note("2"), 100);
        publishUnheard(e, t, note("3"), 100);
        join(e.broker().publish(t, note("4"), history(100)));
        join(e.broker().publish(t, note("5"), history(100)));
        await().atMost(WAIT).until(() -> node.receivedFor(t).size() >= 5);
        assertEquals(List.of("1", "2", "3", "4", "5"), node.entityIdsFor(t));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), offsets(node, t));
        assertTrue(node.gaps.isEmpty(), "repaired, so no gap: " + node.gaps);
    }

    @Test
    void whatHistoryNoLongerHoldsIsAGapOfThatStreamOnly() {
        RecordingNode node = new RecordingNode("a");
        RedisEngine e = engine(RedisServers.settings(RedisServers.shared(), false), node);
        Target t = room();
        Target other = room();
        join(e.broker().subscribe(t));
        join(e.broker().subscribe(other));
        join(e.broker().publish(t, note("1"), history(1)));
        publishUnheard(e, t, note("2"), 1);
        publishUnheard(e, t, note("3"), 1);
        join(e.broker().publish(t, note("4"), history(1)));
        join(e.broker().publish(other, note("x"), history(1)));
        await().atMost(WAIT).until(() -> node.gaps.size() == 1 && node.receivedFor(t).size() == 2
                && node.receivedFor(other).size() == 1);
        assertEquals(new Gap.Stream(t), node.gaps.peek());
        assertEquals(List.of("1", "4"), node.entityIdsFor(t));
    }

    @Test
    void killedPubSubConnectionsUnderLoadAreRepairedSoEveryPublicationArrivesOnceInOrder() throws Exception {
        RedisServers.Server server = ownServer();
        RecordingNode node = new RecordingNode("a");
        RedisEngine e = engine(RedisServers.settings(List.of(server.url()), false), node);
        Target t = room();
        join(e.broker().subscribe(t));
        Thread publisher = new Thread(() -> {
            for (int i = 1; i <= 400; i++) {
                join(e.broker().publish(t, note(Integer.toString(i)), history(1000)));
            }
        });
        publisher.start();
        await().atMost(WAIT).until(() -> node.receivedFor(t).size() >= 50);
        server.command("CLIENT", "KILL", "TYPE", "pubsub");
        publisher.join(WAIT.toMillis());
        await().atMost(WAIT).until(() -> node.receivedFor(t).size() >= 400 && node.links.contains("restored"));
        List<Long> got = offsets(node, t);
        for (int i = 0; i < got.size(); i++) {
            assertEquals(i + 1, got.get(i), "offset order, no duplicate, no hole");
        }
        assertEquals(400, got.size());
        assertTrue(node.gaps.isEmpty(), "repaired from history: " + node.gaps);
        assertTrue(node.links.peek().startsWith("lost: Redis pub/sub connection lost"), String.valueOf(node.links));
    }

    @Test
    void aRedisRestartThatLosesDataChangesEveryEpochReportsTheLinkAndResumes() {
        RedisServers.Server server = ownServer();
        RedisSettings settings = RedisServers.settings(List.of(server.url()), false);
        RecordingNode node = new RecordingNode("a");
        RedisEngine e = engine(settings, node);
        Target t = room();
        join(e.broker().subscribe(t));
        StreamPosition before = join(e.broker().publish(t, note("before"), history(10))).position();
        join(e.presence().refresh("n1"));
        join(e.presence().add("r", new ClientInfo("c1", "u1", "n1")));

        server.stop();
        await().atMost(WAIT).until(() -> node.links.stream().anyMatch(l -> l.startsWith("lost")));
        long started = System.nanoTime();
        CompletionException down = assertThrows(CompletionException.class,
                () -> join(e.broker().publish(t, note("while-down"), history(10))));
        assertTrue(down.getCause() instanceof ServerException se && se.code() == ErrorCode.UNAVAILABLE, String.valueOf(down.getCause()));
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(settings.timeout().plusSeconds(1)) < 0,
                "failed fast, within REDIS_TIMEOUT");
        assertThrows(CompletionException.class, () -> join(e.broker().history(t, new HistoryQuery(null, 10, false))));

        server.restart();
        await().atMost(WAIT).until(() -> "restored".equals(List.copyOf(node.links).get(node.links.size() - 1)));
        await().atMost(WAIT).until(() -> node.gaps.contains(new Gap.Stream(t)));
        PublishResult after = join(e.broker().publish(t, note("after"), history(10)));
        assertEquals(1, after.position().offset(), "the history began again");
        assertNotEquals(before.epoch(), after.position().epoch(), "under a new epoch");
        await().atMost(WAIT).until(() -> node.entityIdsFor(t).contains("after"));
        HistoryResult old = join(e.broker().history(t, new HistoryQuery(before, 10, false)));
        assertTrue(old.publications().isEmpty(), "the old position matches nothing");
        assertFalse(join(e.presence().refresh("n1")), "presence too was lost: the node adds its entries again");
    }

    @Test
    void anIdempotentPublishIsDeduplicatedAcrossNodes() {
        RedisSettings settings = RedisServers.settings(RedisServers.shared(), false);
        RecordingNode a = new RecordingNode("a");
        RecordingNode b = new RecordingNode("b");
        RedisEngine ea = engine(settings, a);
        RedisEngine eb = engine(settings, b);
        Target t = room();
        join(ea.broker().subscribe(t));
        join(eb.broker().subscribe(t));
        PublishOptions keyed = new PublishOptions(10, Duration.ofMinutes(1), "order-42", Duration.ofMinutes(1));
        PublishResult first = join(ea.broker().publish(t, note("once"), keyed));
        PublishResult retry = join(eb.broker().publish(t, note("once"), keyed));
        assertFalse(first.duplicate());
        assertTrue(retry.duplicate());
        assertEquals(first.position(), retry.position());
        join(eb.broker().publish(t, note("next"), history(10)));
        await().atMost(WAIT).until(() -> a.receivedFor(t).size() == 2 && b.receivedFor(t).size() == 2);
        assertEquals(List.of("once", "next"), a.entityIdsFor(t));
        assertEquals(List.of("once", "next"), b.entityIdsFor(t));
    }

    @Test
    void historyAndPresenceExpireInRealTime() {
        RedisSettings settings = RedisServers.settings(RedisServers.shared(), false);
        RecordingNode node = new RecordingNode("a");
        RedisEngine e = engine(settings, node);
        Target t = room();
        StreamPosition p = join(e.broker().publish(t, note("short"), new PublishOptions(10, Duration.ofMillis(300), null,
                Duration.ofMinutes(1)))).position();
        assertEquals(1, join(e.broker().history(t, new HistoryQuery(null, 10, false))).publications().size());
        await().atMost(WAIT).until(() -> join(e.broker().history(t, new HistoryQuery(null, 10, false))).publications().isEmpty());
        assertEquals(p, join(e.broker().history(t, new HistoryQuery(null, 10, false))).position(), "the position outlives it");

        assertFalse(join(e.presence().refresh("gone")));
        join(e.presence().add("lobby", new ClientInfo("c1", "u1", "gone")));
        assertEquals(Set.of("c1"), join(e.presence().presence("lobby")).keySet());
        // "gone" never refreshes again: its entry vanishes once PRESENCE_TTL (3 s here) passed.
        await().atMost(WAIT).until(() -> join(e.presence().presence("lobby")).isEmpty());
    }

    /** A burst of interest changes (a reconnect storm) goes out as a few batched commands, in order. */
    @Test
    void subscriptionsMadeTogetherAreBatchedAndEachTakesEffect() throws Exception {
        RedisServers.Server server = ownServer();
        RecordingNode node = new RecordingNode("a");
        RedisEngine e = engine(RedisServers.settings(List.of(server.url()), false), node);
        RedisClient client = RedisClient.create(server.url());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().configResetstat();
            List<Target> rooms = new ArrayList<>();
            List<java.util.concurrent.CompletableFuture<Void>> stages = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                Target t = room();
                rooms.add(t);
                stages.add(e.broker().subscribe(t).toCompletableFuture());
            }
            // The last ten leave again at once: their subscribe and unsubscribe keep their order.
            for (Target t : rooms.subList(290, 300)) {
                stages.add(e.broker().unsubscribe(t).toCompletableFuture());
            }
            stages.forEach(RedisEngineTest::join);
            String stats = c.sync().info("commandstats");
            long subscribes = Long.parseLong(stats.replaceAll("(?s).*cmdstat_subscribe:calls=(\\d+),.*", "$1"));
            System.out.println("SUBSCRIBE commands for 300 streams: " + subscribes);
            assertTrue(subscribes < 300, "batched: " + subscribes + " commands");
            for (Target t : rooms) {
                join(e.broker().publish(t, note("x"), history(1)));
            }
            await().atMost(WAIT).until(() -> node.received.size() == 290);
            assertTrue(rooms.subList(290, 300).stream().allMatch(t -> node.receivedFor(t).isEmpty()), "unsubscribed last");
        } finally {
            client.shutdown();
        }
    }

    /** Bytes a publication costs: on pub/sub (the message) and in Redis (a history entry). */
    @Test
    void measuresBytesPerPublication() throws Exception {
        RedisServers.Server server = ownServer();
        RecordingNode node = new RecordingNode("a");
        RedisSettings settings = RedisServers.settings(List.of(server.url()), false);
        RedisEngine e = engine(settings, node);
        Target t = Target.room("measure");
        Notification n = new Notification("info", "order-12345", "{\"id\":12345,\"status\":\"shipped\",\"eta\":\"2026-12-02\"}");
        int body = n.type().length() + n.entityId().length() + n.bodyJson().length();
        RedisClient client = RedisClient.create(server.url());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            join(e.broker().publish(t, n, history(100)));
            c.sync().configResetstat();
            for (int i = 0; i < 100; i++) {
                join(e.broker().publish(t, n, history(100)));
            }
            String stats = c.sync().info("commandstats");
            // One round trip per publish: one EVALSHA each (the heartbeat's ZADDs are the only other writes).
            assertTrue(stats.contains("cmdstat_evalsha:calls=100,"), stats);
            assertFalse(stats.contains("cmdstat_eval:"), stats);
            System.out.println("commands for 100 publications: " + stats.replaceAll("(?m)^(?!cmdstat_(evalsha|eval|publish|zadd)).*$", "").trim());
            long listBytes = c.sync().memoryUsage(settings.prefix() + ":{s:room:measure}:h");
            long metaBytes = c.sync().memoryUsage(settings.prefix() + ":{s:room:measure}:m");
            int message = ("100:" + join(e.broker().history(t, new HistoryQuery(null, 0, false))).position().epoch() + "|").length()
                    + Codec.encode(n).length;
            System.out.printf("bytes per publication: notification fields %d, encoded %d, pub/sub payload %d,"
                    + " history entry in Redis %.1f (list of 100: %d), position hash %d%n", body, Codec.encode(n).length,
                    message, listBytes / 100.0, listBytes, metaBytes);
            assertTrue(message < body + 40, "compact on pub/sub: " + message);
            assertTrue(listBytes / 100.0 < body + 60, "compact in Redis: " + listBytes / 100.0);
        } finally {
            client.shutdown();
        }
    }
}
