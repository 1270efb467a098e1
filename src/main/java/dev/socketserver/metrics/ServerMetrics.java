package dev.socketserver.metrics;

import dev.socketserver.error.ErrorCode;
import dev.socketserver.hub.Disconnect;
import dev.socketserver.node.Node;
import dev.socketserver.stats.EngineGauges;
import dev.socketserver.stats.Stats;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * The server's own metrics, all read at scrape time from the node and its {@link Stats}: nothing
 * here runs while the server works. Every label value comes from a closed set (an enum of the
 * server, a status code, a method of the API, a shard of the engine's configuration); none is a
 * room, a user or anything a client chose. Names and labels are public (README.md, Metrics):
 * never rename one.
 */
final class ServerMetrics {
    /** Upper bounds of the client queue gauge histogram, in bytes ({@code +Inf} follows). */
    static final double[] QUEUE_BOUNDS = {0, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304};

    private ServerMetrics() {
    }

    static void register(Node node, PrometheusRegistry registry) {
        Stats stats = node.stats();
        gauge(registry, "socketserver_connections", "WebSocket connections open on this node", node::connectionCount);
        gauge(registry, "socketserver_users", "distinct users with a connection on this node", node::userCount);
        gauge(registry, "socketserver_rooms", "rooms with at least one member on this node", node::roomCount);
        gauge(registry, "socketserver_backlog_bytes",
                "outbound bytes counted in the publishers' flow control (each client up to a quarter of its bound)",
                node::backlogBytes);
        counter(registry, "socketserver_backlog_waits", "publisher replies held back by flow control", node::backlogWaits);
        counter(registry, "socketserver_publications", "publications accepted (idempotent retries not counted again)",
                node::publicationCount);
        counter(registry, "socketserver_deliveries", "publications queued for a client (one per client reached)",
                node::deliveryCount);
        counter(registry, "socketserver_outbound_frames", "frames handed to WebSocket transports (notifications, replies, events)",
                stats::framesWritten);
        CounterWithCallback.builder().name("socketserver_outbound_bytes").unit(Unit.BYTES)
                .help("payload bytes of the frames handed to WebSocket transports")
                .callback(cb -> cb.call(stats.bytesWritten())).register(registry);

        CounterWithCallback.builder().name("socketserver_handshakes")
                .help("WebSocket handshakes by result: ok (101) or the HTTP status of the refusal")
                .labelNames("result")
                .callback(cb -> {
                    for (int status : Stats.handshakeStatuses()) {
                        cb.call(stats.handshakes(status), status == 101 ? "ok" : Integer.toString(status));
                    }
                    cb.call(stats.handshakes(-1), "other");
                }).register(registry);
        CounterWithCallback.builder().name("socketserver_commands")
                .help("client commands answered, by action and result (ok or the error code)")
                .labelNames("action", "result")
                .callback(cb -> {
                    for (Stats.Action a : Stats.Action.values()) {
                        String action = a.name().toLowerCase(Locale.ROOT);
                        cb.call(stats.commands(a, null), action, "ok");
                        for (ErrorCode code : ErrorCode.values()) {
                            long n = stats.commands(a, code);
                            if (n > 0) {
                                cb.call(n, action, code.wire());
                            }
                        }
                    }
                }).register(registry);
        CounterWithCallback.builder().name("socketserver_error_frames")
                .help("error frames sent to clients, by error code")
                .labelNames("code")
                .callback(cb -> {
                    for (ErrorCode code : ErrorCode.values()) {
                        cb.call(stats.errorFrames(code), code.wire());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("socketserver_closes_sent")
                .help("WebSocket connections closed by the server, by close code")
                .labelNames("code")
                .callback(cb -> {
                    for (Disconnect d : Disconnect.values()) {
                        cb.call(stats.closesSent(d.code()), Integer.toString(d.code()));
                    }
                }).register(registry);
        counter(registry, "socketserver_slow_consumer_closes",
                "connections closed as slow consumers (close code 4002, also in socketserver_closes_sent_total)",
                () -> stats.closesSent(Disconnect.SLOW_CONSUMER.code()));
        CounterWithCallback.builder().name("socketserver_recoveries")
                .help("recoveries by result: recovered, not_recovered (client must refetch), "
                        + "gap (closed with 4006 to reconnect and recover)")
                .labelNames("result")
                .callback(cb -> {
                    cb.call(stats.recoveries(Stats.Recovery.RECOVERED), "recovered");
                    cb.call(stats.recoveries(Stats.Recovery.NOT_RECOVERED), "not_recovered");
                    cb.call(stats.closesSent(Disconnect.STREAM_GAP.code()), "gap");
                }).register(registry);
        CounterWithCallback.builder().name("socketserver_api_calls")
                .help("backend API calls by API (grpc, http), method and status (gRPC status code or HTTP status); "
                        + "publications are the methods Publish, Broadcast, NotifyRoom and PrivateNotify")
                .labelNames("api", "method", "status")
                .callback(cb -> stats.apiCalls().forEach((k, n) -> cb.call(n, k.api(), k.method(), k.status())))
                .register(registry);
        counter(registry, "socketserver_broker_publish_errors", "publications the broker failed to accept",
                stats::publishErrors);
        registry.register(new PublishLatency(stats));
        registry.register(new QueueBytes(node));

        GaugeWithCallback.builder().name("socketserver_history_streams")
                .help("streams with state held by the broker's engine (absent when the engine cannot tell)")
                .callback(cb -> report(cb, stats.engine().historyStreams())).register(registry);
        GaugeWithCallback.builder().name("socketserver_history_entries")
                .help("publications retained in history by the broker's engine (absent when the engine cannot tell)")
                .callback(cb -> report(cb, stats.engine().historyEntries())).register(registry);
        GaugeWithCallback.builder().name("socketserver_engine_link_up")
                .help("1 while the link to the engine's shard is connected, 0 while not (Redis engine only)")
                .labelNames("shard")
                .callback(cb -> {
                    EngineGauges engine = stats.engine();
                    for (Map.Entry<String, Boolean> e : engine.links().entrySet()) {
                        cb.call(e.getValue() ? 1 : 0, e.getKey());
                    }
                }).register(registry);

        gauge(registry, "socketserver_writer_threads", "threads of the node's writer pool", node::writersSize);
        gauge(registry, "socketserver_writer_active_threads", "writer pool threads running a task now", node::writersActive);
        gauge(registry, "socketserver_writer_queued_tasks", "tasks waiting for a writer pool thread", node::writersQueued);
    }

    private static void report(GaugeWithCallback.Callback cb, long value) {
        if (value >= 0) {
            cb.call(value);
        }
    }

    private static void gauge(PrometheusRegistry registry, String name, String help, java.util.function.LongSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }

    private static void counter(PrometheusRegistry registry, String name, String help, java.util.function.LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong())).register(registry);
    }

    private static double[] withInf(double[] bounds) {
        double[] b = Arrays.copyOf(bounds, bounds.length + 1);
        b[bounds.length] = Double.POSITIVE_INFINITY;
        return b;
    }

    /** {@code socketserver_broker_publish_duration_seconds}: from Node.publish to the broker's answer. */
    private record PublishLatency(Stats stats) implements Collector {
        private static final double[] BOUNDS = withInf(Stats.publishLatencyBounds());

        @Override
        public MetricSnapshot collect() {
            return HistogramSnapshot.builder().name("socketserver_broker_publish_duration_seconds")
                    .help("time from a publish call to the broker's answer (accepted or failed)")
                    .unit(Unit.SECONDS)
                    .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                            .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, stats.publishLatencyCounts()))
                            .sum(stats.publishNanos() / 1e9)
                            .build())
                    .build();
        }
    }

    /**
     * {@code socketserver_client_queue_bytes}: a gauge histogram of every open connection's
     * queued outbound bytes, taken at the scrape (it walks the connections then, never while
     * they are written to).
     */
    private record QueueBytes(Node node) implements Collector {
        private static final double[] BOUNDS = withInf(QUEUE_BOUNDS);

        @Override
        public MetricSnapshot collect() {
            long[] counts = new long[BOUNDS.length];
            long[] sum = new long[1];
            node.eachQueue(q -> {
                int i = 0;
                while (i < QUEUE_BOUNDS.length && q > QUEUE_BOUNDS[i]) {
                    i++;
                }
                counts[i]++;
                sum[0] += q;
            });
            return HistogramSnapshot.builder().name("socketserver_client_queue_bytes")
                    .help("outbound bytes queued per open connection now (a gauge histogram over the connections)")
                    .unit(Unit.BYTES)
                    .gaugeHistogram(true)
                    .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                            .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, counts))
                            .sum(sum[0])
                            .build())
                    .build();
        }
    }
}
