package dev.socketserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.HttpApi;
import dev.socketserver.testing.MetricsScrape;
import dev.socketserver.testing.RawWebSocket;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.NotificationServiceGrpc;
import dev.socketserver.transport.grpc.proto.PresenceStatsRequest;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import dev.socketserver.transport.grpc.proto.PublishResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code GET /metrics} of the real WAR: real WebSocket, gRPC and HTTP traffic moves each counter
 * by exactly what it did; the answer parses as the Prometheus text format, or OpenMetrics when
 * asked; it needs the API key unless {@code METRICS_PUBLIC=true}, and is gone with
 * {@code METRICS_ENABLED=false}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private EmbeddedJetty server;
    private GrpcClient grpc;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> s = EmbeddedJetty.defaults();
        s.put("CLIENT_QUEUE_MAX_BYTES", "64KiB");
        server = EmbeddedJetty.start(s);
        grpc = new GrpcClient(server.port());
    }

    @AfterAll
    void stop() throws Exception {
        grpc.close();
        server.close();
    }

    /** Waits until {@code key} has moved by exactly {@code delta} since {@code before} (and fails if it went past). */
    private void moved(MetricsScrape before, String key, double delta) {
        Supplier<Double> now = () -> MetricsScrape.get(server.port()).value(key);
        await(key).atMost(WAIT).until(() -> now.get() - before.value(key) >= delta);
        assertEquals(delta, now.get() - before.value(key), key + " moved by");
    }

    /** A scrape once the connections of earlier tests have all been released. */
    private MetricsScrape quiet() {
        await("no connections left").atMost(WAIT).until(() ->
                MetricsScrape.get(server.port()).require("socketserver_connections") == 0);
        return MetricsScrape.get(server.port());
    }

    private static org.awaitility.core.ConditionFactory await(String what) {
        return org.awaitility.Awaitility.await(what).pollInterval(Duration.ofMillis(50));
    }

    @Test
    void trafficMovesEachCounterByExactlyWhatHappened() throws Exception {
        String room = "metrics-" + UUID.randomUUID();
        MetricsScrape before = quiet();
        List<String> received = new ArrayList<>();

        // A refused handshake (no token: 401) and an accepted one.
        assertEquals(401, WsClient.handshakeStatus(server.wsUrl(null), Map.of()));
        try (WsClient client = WsClient.connect(server.wsUrl(Tokens.forUser("metrics-user")))) {
            moved(before, "socketserver_handshakes_total{result=\"401\"}", 1);
            moved(before, "socketserver_handshakes_total{result=\"ok\"}", 1);
            moved(before, "socketserver_connections", 1);
            moved(before, "socketserver_users", 1);

            // enter (ok), an unknown action (an error frame, bad_request).
            client.send("{\"id\":1,\"action\":\"enter\",\"room\":\"" + room + "\"}");
            received.add(client.next());
            assertTrue(WsClient.parse(received.get(0)).getBoolean("ok"));
            client.send("{\"id\":2,\"action\":\"dance\"}");
            received.add(client.next());
            JsonObject error = WsClient.parse(received.get(1));
            assertEquals("bad_request", error.getJsonObject("error").getString("code"));
            moved(before, "socketserver_commands_total{action=\"enter\",result=\"ok\"}", 1);
            moved(before, "socketserver_commands_total{action=\"other\",result=\"bad_request\"}", 1);
            moved(before, "socketserver_error_frames_total{code=\"bad_request\"}", 1);

            // A gRPC publish that reaches the client, one refused for bad input, one without a key.
            PublishResponse published = grpc.stub().publish(PublishRequest.newBuilder()
                    .setMessage(GrpcClient.info("m1", "hello")).setRoom(room).build());
            received.add(client.next());
            StatusRuntimeException invalid = assertThrows(StatusRuntimeException.class, () -> grpc.stub().publish(
                    PublishRequest.newBuilder().setMessage(GrpcClient.info("m2", "x")).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
            StatusRuntimeException noKey = assertThrows(StatusRuntimeException.class, () ->
                    NotificationServiceGrpc.newBlockingStub(grpc.channel()).publish(PublishRequest.newBuilder()
                            .setMessage(GrpcClient.info("m3", "x")).setRoom(room).build()));
            assertEquals(Status.Code.UNAUTHENTICATED, noKey.getStatus().getCode());
            // One through the HTTP API, and an HTTP call to a method that does not exist.
            HttpApi.Response viaHttp = HttpApi.post(server.port(), "Publish", "{\"message\":"
                    + ApiIT.messageJson("m4", "hi") + ",\"room\":\"" + room + "\"}");
            assertEquals(200, viaHttp.status(), String.valueOf(viaHttp.body()));
            assertEquals(400, HttpApi.post(server.port(), "Publish", "{\"message\":{\"body\":1}}").status());
            received.add(client.next());
            assertEquals(404, HttpApi.post(server.port(), "Nope", "{}").status());

            moved(before, "socketserver_api_calls_total{api=\"grpc\",method=\"Publish\",status=\"OK\"}", 1);
            moved(before, "socketserver_api_calls_total{api=\"grpc\",method=\"Publish\",status=\"INVALID_ARGUMENT\"}", 1);
            moved(before, "socketserver_api_calls_total{api=\"grpc\",method=\"Publish\",status=\"UNAUTHENTICATED\"}", 1);
            moved(before, "socketserver_api_calls_total{api=\"http\",method=\"Publish\",status=\"200\"}", 1);
            moved(before, "socketserver_api_calls_total{api=\"http\",method=\"unknown\",status=\"404\"}", 1);
            moved(before, "socketserver_api_calls_total{api=\"http\",method=\"Publish\",status=\"400\"}", 1);
            moved(before, "socketserver_publications_total", 2);
            moved(before, "socketserver_deliveries_total", 2);
            moved(before, "socketserver_broker_publish_duration_seconds_count", 2);
            moved(before, "socketserver_history_entries", 2);
            moved(before, "socketserver_history_streams", 1);

            // Every frame the client got went through the writer's count, byte for byte.
            long bytes = received.stream().mapToLong(f -> f.getBytes(StandardCharsets.UTF_8).length).sum();
            moved(before, "socketserver_outbound_frames_total", 4);
            moved(before, "socketserver_outbound_bytes_total", bytes);

            // Recovery: a client that comes back with the position it had, and one with a stale epoch.
            String since = "{\"offset\":" + (published.getPosition().getOffset() - 1) + ",\"epoch\":\""
                    + published.getPosition().getEpoch() + "\"}";
            try (WsClient back = WsClient.connect(server.wsUrl(Tokens.forUser("metrics-back")))) {
                JsonObject recovered = back.request("{\"id\":3,\"action\":\"enter\",\"room\":\"" + room
                        + "\",\"since\":" + since + "}", 3);
                assertTrue(recovered.getBoolean("recovered"), recovered.toString());
                JsonObject stale = back.request("{\"id\":4,\"action\":\"enter\",\"room\":\"other-" + room
                        + "\",\"since\":{\"offset\":1,\"epoch\":\"gone\"}}", 4);
                assertEquals(false, stale.getBoolean("recovered"), stale.toString());
            }
            moved(before, "socketserver_recoveries_total{result=\"recovered\"}", 1);
            moved(before, "socketserver_recoveries_total{result=\"not_recovered\"}", 1);
            moved(before, "socketserver_commands_total{action=\"enter\",result=\"ok\"}", 3);
            moved(before, "socketserver_closes_sent_total{code=\"4002\"}", 0);
        }
        moved(before, "socketserver_connections", 0);
    }

    @Test
    void aStalledReaderIsCountedAsOneSlowConsumerClose() throws Exception {
        String room = "metrics-slow-" + UUID.randomUUID();
        MetricsScrape before = quiet();
        try (RawWebSocket stalled = RawWebSocket.connect(server.port(), "/ws?t=" + Tokens.forUser("stalled"), Map.of())) {
            assertEquals(101, stalled.status());
            stalled.sendText("{\"action\":\"enter\",\"room\":\"" + room + "\"}");
            PresenceStatsRequest stats = PresenceStatsRequest.newBuilder().setRoom(room).build();
            await("stalled client in the room").atMost(WAIT).until(() -> grpc.stub().presenceStats(stats).getNumClients() == 1);
            String body = "z".repeat(4096);
            int sent = 0;
            while (grpc.stub().presenceStats(stats).getNumClients() == 1) {
                for (int i = 0; i < 20; i++) {
                    grpc.stub().notifyRoom(MessageWithRoom.newBuilder()
                            .setBase(GrpcClient.info("s" + sent++, body)).setRoom(room).build());
                }
                assertTrue(sent < 100_000, "the stalled client was never dropped");
            }
            moved(before, "socketserver_slow_consumer_closes_total", 1);
            moved(before, "socketserver_closes_sent_total{code=\"4002\"}", 1);
            moved(before, "socketserver_api_calls_total{api=\"grpc\",method=\"NotifyRoom\",status=\"OK\"}", sent);
            assertEquals(4002, stalled.awaitClose(Duration.ofSeconds(20)));
        }
    }

    @Test
    void theAnswerIsTheTextFormatWithTypesAndOpenMetricsWhenAsked() {
        MetricsScrape text = MetricsScrape.get(server.port());
        assertEquals(200, text.status());
        assertTrue(text.contentType().startsWith("text/plain; version=0.0.4"), text.contentType());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("socketserver_connections", "gauge");
        expected.put("socketserver_handshakes_total", "counter");
        expected.put("socketserver_commands_total", "counter");
        expected.put("socketserver_outbound_bytes_total", "counter");
        expected.put("socketserver_broker_publish_duration_seconds", "histogram");
        expected.put("jvm_threads_current", "gauge");
        expected.forEach((name, type) -> assertEquals(type, text.types().get(name), name + " in\n" + text.body()));
        // The gauge histogram of queued bytes over the open connections, and the JVM's and writers' gauges.
        text.require("socketserver_client_queue_bytes_gcount");
        text.require("socketserver_writer_threads");
        text.require("socketserver_closes_sent_total{code=\"4002\"}");
        text.require("socketserver_broker_publish_duration_seconds_bucket{le=\"+Inf\"}");
        text.require("socketserver_backlog_waits_total");
        text.require("socketserver_broker_publish_errors_total");

        MetricsScrape open = MetricsScrape.get(server.port(), "Bearer " + GrpcClient.API_KEY,
                "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertEquals(200, open.status());
        assertTrue(open.contentType().startsWith("application/openmetrics-text"), open.contentType());
        assertTrue(open.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
        assertEquals("counter", open.types().get("socketserver_handshakes"), "OpenMetrics names the family without _total");
        assertEquals("gaugehistogram", open.types().get("socketserver_client_queue_bytes"));
    }

    @Test
    void metricsNeedTheApiKey() {
        MetricsScrape none = MetricsScrape.get(server.port(), null, null);
        assertEquals(401, none.status());
        assertTrue(none.body().contains("unauthorized"), none.body());
        assertEquals(401, MetricsScrape.get(server.port(), "Bearer wrong-key", null).status());
    }

    @Test
    void metricsPublicServesWithoutAKeyAndMetricsEnabledFalseServesNothing() throws Exception {
        Map<String, String> s = EmbeddedJetty.defaults();
        s.put("METRICS_PUBLIC", "true");
        try (EmbeddedJetty open = EmbeddedJetty.start(s)) {
            MetricsScrape scrape = MetricsScrape.get(open.port(), null, null);
            assertEquals(200, scrape.status());
            assertEquals(0, scrape.require("socketserver_connections"));
        }
        s = EmbeddedJetty.defaults();
        s.put("METRICS_ENABLED", "false");
        try (EmbeddedJetty off = EmbeddedJetty.start(s)) {
            assertEquals(404, MetricsScrape.get(off.port()).status());
        }
    }
}
