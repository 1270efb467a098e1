package dev.socketserver.it.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HttpApi;
import dev.socketserver.testing.RedisServers;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, Redis failures, on a redis-server of the test's own: while Redis is unreachable,
 * publishing fails fast with {@code UNAVAILABLE}, WebSockets stay open, commands that need
 * Redis get an error frame and every node reports itself not ready; when Redis comes back
 * empty (a cache-mode restart loses its data), the nodes reconnect by themselves, clients that
 * recover are told {@code recovered:false} (or get a reconnect close code), never a silent
 * gap, and live delivery resumes within seconds.
 */
class ClusterRedisOutageIT {
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(1);
    /** How long the nodes may take to find Redis again (Lettuce's reconnect backs off). */
    private static final Duration RESUME = Duration.ofSeconds(20);
    static RedisServers.Server redis;
    static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServers.start();
        cluster = Cluster.start(redis.url(), Map.of("REDIS_TIMEOUT", REDIS_TIMEOUT.toMillis() + "ms",
                "HISTORY_SIZE", "1000"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    private static PublishRequest toRoom(String room, String entityId) {
        return PublishRequest.newBuilder().setMessage(GrpcClient.info(entityId, entityId)).setRoom(room).build();
    }

    private static int readyStatus(int node) {
        return HttpApi.get(cluster.node(node).httpPort(), "/health/ready").status();
    }

    @Test
    void whileRedisIsDownTheNodesStayUpButRefuseAndReportNotReadyThenResumeWhenItIsBackEmpty() throws Exception {
        String t = UUID.randomUUID().toString().substring(0, 8);
        String room = "outage-" + t;
        WsClient member = cluster.connect(0, "m-" + t);
        WsClient idle = cluster.connect(1, "i-" + t);
        try {
            member.enter(room);
            cluster.grpc(1).stub().publish(toRoom(room, t + "-before"));
            JsonObject before = member.nextJson(o -> o.getString("entityId", "").equals(t + "-before"));
            String epoch = before.getString("epoch");
            long offset = before.getJsonNumber("offset").longValue();
            for (int n = 0; n < cluster.size(); n++) {
                assertEquals(200, readyStatus(n));
            }

            redis.stop();

            for (int n = 0; n < cluster.size(); n++) {
                int node = n;
                await("node " + n + " reports not ready").atMost(Duration.ofSeconds(15)).until(() -> readyStatus(node) == 503);
                JsonObject health = HttpApi.get(cluster.node(n).httpPort(), "/health/ready").body();
                assertEquals("engine_unreachable", health.getString("state"), health.toString());
                long t0 = System.nanoTime();
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> cluster.grpc(node).stub().publish(toRoom(room, t + "-down")));
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
                assertTrue(took.compareTo(REDIS_TIMEOUT.plusMillis(500)) <= 0,
                        "failed within REDIS_TIMEOUT: " + took.toMillis() + " ms on node " + n);
                System.out.println("outage: publish on " + Cluster.IDS.get(n) + " failed in " + took.toMillis() + " ms");
            }
            JsonObject refused = idle.request("{\"id\":\"e1\",\"action\":\"enter\",\"room\":\"" + room + "\"}", "e1");
            assertEquals("unavailable", refused.getJsonObject("error").getString("code"), refused.toString());
            JsonObject pong = idle.request("{\"id\":\"p1\",\"action\":\"ping\"}", "p1");
            assertTrue(pong.getBoolean("pong"), "the connection stays open and answers what needs no Redis");
            assertFalse(member.isClosed(), "WebSocket connections stay open while Redis is down");

            long restartedAt = System.nanoTime();
            redis.restart();

            for (int n = 0; n < cluster.size(); n++) {
                int node = n;
                await("node " + n + " ready again").atMost(RESUME).until(() -> readyStatus(node) == 200);
            }
            System.out.println("outage: every node ready " + Duration.ofNanos(System.nanoTime() - restartedAt).toMillis()
                    + " ms after Redis came back");
            // Live delivery resumes: a publication through one node reaches a member on another.
            WsClient fresh = cluster.connect(2, "f-" + t);
            fresh.enter(room);
            await("live delivery resumes").atMost(RESUME).ignoreExceptions().until(() -> {
                cluster.grpc(1).stub().publish(toRoom(room, t + "-after"));
                return fresh.poll(Duration.ofMillis(500)) != null;
            });
            System.out.println("outage: live delivery " + Duration.ofNanos(System.nanoTime() - restartedAt).toMillis()
                    + " ms after Redis came back");
            fresh.close();

            // The member that lived through it: either told to reconnect, or it sees the new
            // epoch; recovering from its old position says recovered:false, never a silent gap.
            if (member.isClosed()) {
                int code = member.awaitClose();
                assertTrue(code >= 4000 && code < 4500, "a reconnect close code: " + code);
                System.out.println("outage: the member was closed with " + code);
            } else {
                JsonObject next = member.nextJson(o -> !o.containsKey("id") && room.equals(o.getString("room", null)));
                assertNotEquals(epoch, next.getString("epoch"), "the stream's history was lost: a new epoch");
                System.out.println("outage: the member stayed and saw the new epoch at offset " + next.get("offset"));
            }
            WsClient back = cluster.connect(0, "m-" + t);
            JsonObject reply = back.request("{\"id\":\"rec\",\"action\":\"enter\",\"room\":\"" + room
                    + "\",\"since\":{\"offset\":" + offset + ",\"epoch\":\"" + epoch + "\"}}", "rec");
            assertFalse(reply.getBoolean("recovered"), reply.toString());
            assertNotEquals(epoch, reply.getString("epoch"));
            back.close();
        } finally {
            member.close();
            idle.close();
        }
    }
}
