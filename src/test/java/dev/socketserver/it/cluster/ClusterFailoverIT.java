package dev.socketserver.it.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.RedisServers;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.InfoRequest;
import dev.socketserver.transport.grpc.proto.NodeStats;
import dev.socketserver.transport.grpc.proto.PresenceRequest;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, "a node dies": the embedded-Jetty node is killed with SIGKILL while backends publish
 * through the two others. Its clients reconnect to the surviving nodes with their positions and,
 * after dropping duplicates by offset, have every notification exactly once; clients of the
 * surviving nodes notice nothing; the dead node's presence entries are gone within
 * {@code PRESENCE_TTL}.
 */
class ClusterFailoverIT {
    private static final Duration PRESENCE_TTL = Duration.ofSeconds(3);
    private static final int MESSAGES = 1500;
    private static final int VICTIMS = 4;
    static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.start(RedisServers.shared().get(0), Map.of("HISTORY_SIZE", "5000",
                "PRESENCE_TTL", PRESENCE_TTL.toSeconds() + "s"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void clientsOfAKilledNodeRecoverEverythingExactlyOnceOnTheOthersAndItsPresenceExpires() throws Exception {
        String t = UUID.randomUUID().toString().substring(0, 8);
        String room = "failover-" + t;
        int victimNode = 2;
        List<WsClient> victims = new ArrayList<>();
        List<StreamReader> readers = new ArrayList<>();
        for (int i = 0; i < VICTIMS; i++) {
            WsClient c = cluster.connect(victimNode, "v" + i + "-" + t);
            c.enter(room);
            victims.add(c);
            readers.add(new StreamReader(room));
        }
        List<WsClient> witnesses = List.of(cluster.connect(0, "w0-" + t), cluster.connect(1, "w1-" + t));
        for (WsClient w : witnesses) {
            w.enter(room);
        }
        Map<String, String> before = presence(0, room);
        Set<String> deadEntries = before.entrySet().stream().filter(e -> e.getValue().startsWith("v"))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertEquals(VICTIMS, deadEntries.size(), "presence before the kill: " + before);

        // Backends publish through tomcat and jetty in turn, one publication every 2 ms.
        AtomicInteger published = new AtomicInteger();
        AtomicReference<Throwable> publishError = new AtomicReference<>();
        CountDownLatch allPublished = new CountDownLatch(1);
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        publisher.scheduleAtFixedRate(() -> {
            int n = published.get();
            if (n >= MESSAGES) {
                allPublished.countDown();
                return;
            }
            try {
                cluster.grpc(n % 2).stub().publish(PublishRequest.newBuilder()
                        .setMessage(GrpcClient.info(t + "-" + n, "m" + n)).setRoom(room).build());
                published.incrementAndGet();
            } catch (RuntimeException e) {
                publishError.set(e);
                allPublished.countDown();
            }
        }, 0, 2, TimeUnit.MILLISECONDS);
        try {
            // Kill the node once its clients are well into the stream.
            StreamReader first = readers.get(0);
            while (first.lastOffset < MESSAGES / 5) {
                first.take(victims.get(0).nextJson());
            }
            cluster.node(victimNode).kill();
            long killedAt = System.nanoTime();
            int publishedAtKill = published.get();
            // Watched from the kill on, beside the clients' recovery.
            CompletableFuture<Duration> presenceGone = CompletableFuture.supplyAsync(() -> {
                await("the dead node's presence entries expire").atMost(PRESENCE_TTL.multipliedBy(3))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> presence(0, room).keySet().stream().noneMatch(deadEntries::contains));
                return Duration.ofNanos(System.nanoTime() - killedAt);
            });

            List<WsClient> resumed = new ArrayList<>();
            for (int i = 0; i < VICTIMS; i++) {
                WsClient old = victims.get(i);
                await("client " + i + " sees its node die").atMost(Duration.ofSeconds(10)).until(old::isClosed);
                readers.get(i).drain(old, Duration.ofMillis(50));
                WsClient c = cluster.connect(i % 2, "v" + i + "-" + t);
                c.send(readers.get(i).resume("\"r" + i + "\""));
                resumed.add(c);
            }
            assertTrue(allPublished.await(60, TimeUnit.SECONDS), "publishing finished");
            assertEquals(null, publishError.get(), "no publication failed: the surviving nodes took them all");
            assertTrue(publishedAtKill < MESSAGES, "the node died while backends published (" + publishedAtKill + ")");

            for (int i = 0; i < VICTIMS; i++) {
                StreamReader r = readers.get(i);
                WsClient c = resumed.get(i);
                Boolean recovered = null;
                while (r.lastOffset < MESSAGES || recovered == null) {
                    JsonObject o = c.nextJson();
                    if (o.containsKey("id")) {
                        recovered = o.getBoolean("recovered");
                    } else {
                        r.take(o);
                    }
                }
                assertTrue(recovered, "client " + i + " recovered from its position on another node");
                long lost = MESSAGES - r.offsets.size();
                System.out.printf("failover client %d: expected %d, received %d distinct, duplicates dropped %d, lost %d%n",
                        i, MESSAGES, r.offsets.size(), r.duplicates, lost);
                assertEquals(MESSAGES, r.offsets.size(), "received every offset 1.." + MESSAGES);
                assertEquals(0, lost);
                assertEquals(Set.of(), missing(r.offsets));
            }
            for (WsClient w : witnesses) {
                StreamReader r = new StreamReader(room);
                long expect = 1;
                while (r.lastOffset < MESSAGES) {
                    JsonObject o = w.nextJson();
                    r.take(o);
                    if (!o.containsKey("id")) {
                        assertEquals(expect++, o.getJsonNumber("offset").longValue(), "in order, nothing missed");
                    }
                }
                assertEquals(0, r.duplicates);
                assertFalse(w.isClosed(), "a client of a surviving node noticed nothing");
            }

            // The dead node's entries vanish within PRESENCE_TTL (its last refresh was at most a
            // third of it before the kill); a little more for the poll's own period and load.
            Duration gone = presenceGone.get(60, TimeUnit.SECONDS);
            System.out.println("failover: dead node's presence entries gone " + gone.toMillis() + " ms after the kill");
            assertTrue(gone.compareTo(PRESENCE_TTL.plusSeconds(1)) <= 0, "gone within PRESENCE_TTL: " + gone);
            Map<String, String> after = presence(1, room);
            assertEquals(VICTIMS + witnesses.size(), after.size(), "every live connection, once: " + after);
            await("Info lists the surviving nodes only").atMost(PRESENCE_TTL.plusSeconds(2)).until(() ->
                    cluster.grpc(0).stub().info(InfoRequest.getDefaultInstance()).getNodesList().stream()
                            .map(NodeStats::getNodeId).collect(Collectors.toSet()).equals(Set.of("tomcat", "jetty")));
            resumed.forEach(WsClient::close);
        } finally {
            publisher.shutdownNow();
            witnesses.forEach(WsClient::close);
            victims.forEach(WsClient::close);
        }
    }

    private static Map<String, String> presence(int node, String room) {
        return cluster.grpc(node).stub().presence(PresenceRequest.newBuilder().setRoom(room).build()).getPresenceMap()
                .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getUserId()));
    }

    private static Set<Long> missing(Set<Long> offsets) {
        Set<Long> out = new HashSet<>();
        for (long o = 1; o <= MESSAGES; o++) {
            if (!offsets.contains(o)) {
                out.add(o);
            }
        }
        return out;
    }
}
