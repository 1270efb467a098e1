package dev.socketserver.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load generator's entry point: connect, (warm up), publish, drain, report one JSON line.
 * See {@link BenchOptions#USAGE} and {@code docs/PERFORMANCE.md}.
 */
public final class Bench {
    private static final long START = System.nanoTime();

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        BenchOptions opts;
        try {
            opts = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        int code = 0;
        try {
            System.out.println(new Bench.Run(opts).call());
        } catch (Exception e) {
            e.printStackTrace();
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }

    static String userId(int index) {
        return "bench-u" + index;
    }

    static void log(String msg) {
        System.err.printf("[bench %7.1fs] %s%n", (System.nanoTime() - START) / 1e9, msg);
    }

    /** One benchmark run. */
    static final class Run {
        private final BenchOptions opts;
        private final Stats stats = new Stats();
        private final ProcStats proc;
        private final List<ProcStats> nodes;
        private final ProcStats redis;
        private final JsonLine out = new JsonLine();

        Run(BenchOptions opts) {
            this.opts = opts;
            this.proc = opts.serverPid > 0 ? new ProcStats(opts.serverPid) : null;
            this.nodes = opts.nodePids.stream().map(ProcStats::new).toList();
            this.redis = opts.redisPid > 0 ? new ProcStats(opts.redisPid) : null;
        }

        String call() throws Exception {
            out.put("label", opts.label).put("mode", opts.mode.name().toLowerCase())
                    .put("connections", opts.connections).put("sources", opts.sources)
                    .put("loadavg_start", ProcStats.loadAverage());
            Memory before = proc != null ? memory() : null;
            try (ClientFleet fleet = new ClientFleet(opts, stats)) {
                long t0 = System.nanoTime();
                fleet.connectAll();
                double connectSeconds = (System.nanoTime() - t0) / 1e9;
                long open = stats.opened.sum();
                if (open == 0) {
                    throw new IllegalStateException("no connection opened: " + Stats.snapshot(stats.handshakeErrors));
                }
                log("connected: " + open + " open, " + stats.handshakeFailed.sum() + " failed, "
                        + stats.acked.sum() + " subscribed in " + String.format("%.1f s", connectSeconds));
                out.put("open", open).put("handshake_failed", stats.handshakeFailed.sum())
                        .put("handshake_pending", fleet.pending)
                        .put("handshake_errors", Stats.snapshot(stats.handshakeErrors))
                        .put("subscribed", stats.acked.sum()).put("enter_failed", stats.enterFailed.sum())
                        .put("connect_s", connectSeconds)
                        .put("handshakes_per_s", open / Math.max(connectSeconds, 1e-9));
                if (proc != null) {
                    // At least --settle-ms, then until the server has finished its handshake work
                    // (JIT, GC): under 50 ms of CPU per 0.5 s.
                    Waits.untilSteady(() -> {
                        long[] t = proc.userSystemTicks(); // 10 ms each
                        return t[0] + t[1];
                    }, 5, Duration.ofMillis(opts.settleMs), Duration.ofMillis(500), Duration.ofSeconds(30));
                }
                if (proc != null) {
                    Memory after = memory();
                    long n = Math.max(1, open);
                    out.put("server_rss_before_kb", before.rssKb).put("server_rss_connected_kb", after.rssKb)
                            .put("server_rss_per_conn_kb", (after.rssKb - before.rssKb) / (double) n);
                    if (opts.gcBeforeRss) {
                        out.put("server_heap_before_kb", before.heapKb).put("server_heap_connected_kb", after.heapKb)
                                .put("server_heap_per_conn_kb", (after.heapKb - before.heapKb) / (double) n);
                    }
                }
                if (opts.mode != BenchOptions.Mode.IDLE) {
                    publishAndMeasure(fleet);
                }
                out.put("closed_by_server", Stats.snapshot(stats.closeCodes))
                        .put("errors", Stats.snapshot(stats.errors))
                        .put("other_frames", stats.otherFrames.sum())
                        .put("loadavg_end", ProcStats.loadAverage());
            }
            return out.toString();
        }

        private void publishAndMeasure(ClientFleet fleet) throws Exception {
            long live = Math.max(0, stats.opened.sum() - opts.stall);
            long subscribers = opts.mode == BenchOptions.Mode.ROOM
                    ? Math.max(0, stats.acked.sum() - opts.stall) : live;
            try (Publisher pub = new Publisher(opts)) {
                if (opts.warmup > 0) {
                    pub.run(opts.warmup, "w", opts.warmupRate, Math.min(opts.inflight, 16));
                    long expected = pub.expectedDeliveries(opts.warmup, subscribers);
                    awaitDeliveries(stats::warmupReceived, expected);
                    log("warm-up: " + stats.warmupReceived() + " of " + expected + " deliveries");
                }
                // The generator stands in for clients on other machines: its own pauses must not
                // fall in the window. A collection now starts the window with an empty young
                // generation (with the cluster script's, it then lasts minutes).
                System.gc();
                GcTotals gc0 = GcTotals.now();
                long[] cpu0 = proc != null ? proc.userSystemTicks() : null;
                long[] nodes0 = nodes.stream().mapToLong(ProcStats::cpuTicks).toArray();
                long jit0 = proc != null ? proc.jitTicks() : 0;
                long[] nodeJit0 = nodes.stream().mapToLong(ProcStats::jitTicks).toArray();
                long writes0 = proc != null ? proc.writeCalls() : -1;
                long[] nodeWrites0 = nodes.stream().mapToLong(ProcStats::writeCalls).toArray();
                long redis0 = redis != null ? redis.cpuTicks() : 0;
                long[] self0 = ProcStats.selfUserSystemTicks();
                long reads0 = stats.reads();
                java.util.Map<String, Long> threads0 = ProcStats.selfTicksByThread();
                if (proc != null && opts.jfrFile != null) {
                    proc.jfrStart(opts.jfrFile);
                }
                long okBefore = pub.ok.sum();
                long t0 = System.nanoTime();
                log("publishing " + opts.messages + " messages"
                        + (opts.rate > 0 ? " at " + opts.rate + " msg/s" : " with " + opts.inflight + " in flight"));
                long lastSent = pub.run(opts.messages, "", opts.rate, opts.inflight);
                long published = pub.ok.sum() - okBefore;
                long expected = pub.expectedDeliveries(opts.messages, subscribers);
                awaitDeliveries(stats::received, expected);
                long t1 = System.nanoTime();
                long[] cpu1 = proc != null ? proc.userSystemTicks() : null;
                long[] nodes1 = nodes.stream().mapToLong(ProcStats::cpuTicks).toArray();
                long jit1 = proc != null ? proc.jitTicks() : 0;
                long[] nodeJit1 = nodes.stream().mapToLong(ProcStats::jitTicks).toArray();
                long writes1 = proc != null ? proc.writeCalls() : -1;
                long[] nodeWrites1 = nodes.stream().mapToLong(ProcStats::writeCalls).toArray();
                long redis1 = redis != null ? redis.cpuTicks() : 0;
                long[] self1 = ProcStats.selfUserSystemTicks();
                long reads1 = stats.reads();
                java.util.Map<String, Long> threads1 = ProcStats.selfTicksByThread();
                GcTotals gc1 = GcTotals.now();
                if (proc != null && opts.jfrFile != null) {
                    proc.jfrStop();
                }
                if (opts.stall > 0) {
                    fleet.resumeStalled();
                    fleet.awaitStalledClosed(15_000);
                }
                Stats.Summary s = stats.summarize();
                double seconds = (Math.max(s.lastNanos, lastSent) - t0) / 1e9;
                LatencyHistogram h = s.latency;
                out.put("messages", opts.messages).put("rate_target", opts.rate > 0 ? opts.rate : null)
                        .put("warmup", opts.warmup).put("warmup_rate", opts.warmupRate > 0 ? opts.warmupRate : null)
                        .put("inflight", opts.inflight).put("grpc_ports", opts.grpcPorts.size())
                        .put("published_ok", published)
                        .put("publish_failed", Stats.snapshot(pub.failures))
                        .put("publish_rate", opts.messages / Math.max((lastSent - t0) / 1e9, 1e-9))
                        .put("expected", expected).put("received", s.received)
                        .put("lost", expected - s.received).put("unparsed", s.unparsed)
                        .put("out_of_order", s.outOfOrder).put("order_checked", s.orderChecked)
                        .put("duration_s", seconds)
                        .put("deliveries_per_s", s.received / Math.max(seconds, 1e-9))
                        .put("p50_ms", h.quantile(0.50) / 1000).put("p90_ms", h.quantile(0.90) / 1000)
                        .put("p99_ms", h.quantile(0.99) / 1000).put("p999_ms", h.quantile(0.999) / 1000)
                        .put("max_ms", h.maxMicros() / 1000.0);
                double wall = (t1 - t0) / 1e9;
                if (proc != null) {
                    double user = (cpu1[0] - cpu0[0]) / (double) proc.clockTick;
                    double sys = (cpu1[1] - cpu0[1]) / (double) proc.clockTick;
                    double cpuSeconds = user + sys;
                    out.put("server_cpu_s", cpuSeconds).put("server_cpu_sys_pct_of_cpu", 100 * sys / Math.max(cpuSeconds, 1e-9))
                            .put("server_cpu_us_per_delivery", cpuSeconds * 1e6 / Math.max(1, s.received))
                            .put("server_cpu_pct", 100 * cpuSeconds / wall)
                            .put("server_deliveries_per_write", perWrite(s.received, writes0, writes1))
                            .put("server_jit_share", jitShare(jit1 - jit0, cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1]));
                }
                if (!nodes.isEmpty()) {
                    // Connections are split evenly over the nodes, so each delivers its share.
                    double share = s.received / (double) nodes.size();
                    List<Double> perDelivery = new ArrayList<>();
                    List<Double> pct = new ArrayList<>();
                    List<Double> deliveriesPerWrite = new ArrayList<>();
                    List<Double> jitShares = new ArrayList<>();
                    for (int i = 0; i < nodes.size(); i++) {
                        jitShares.add(jitShare(nodeJit1[i] - nodeJit0[i], nodes1[i] - nodes0[i]));
                        double sec = (nodes1[i] - nodes0[i]) / (double) nodes.get(i).clockTick;
                        perDelivery.add(sec * 1e6 / Math.max(1, share));
                        pct.add(100 * sec / wall);
                        deliveriesPerWrite.add(perWrite(Math.round(share), nodeWrites0[i], nodeWrites1[i]));
                    }
                    out.put("node_cpu_us_per_delivery", perDelivery).put("node_cpu_pct", pct)
                            .put("node_deliveries_per_write", deliveriesPerWrite).put("node_jit_share", jitShares);
                }
                if (redis != null) {
                    double sec = (redis1 - redis0) / (double) redis.clockTick;
                    out.put("redis_cpu_s", sec).put("redis_cpu_us_per_publication", sec * 1e6 / Math.max(1, published))
                            .put("redis_cpu_pct", 100 * sec / wall);
                }
                double clientCpu = (self1[0] + self1[1] - self0[0] - self0[1]) / (double) ProcStats.clockTick();
                double clientSys = (self1[1] - self0[1]) / (double) ProcStats.clockTick();
                out.put("client_cpu_pct", 100 * clientCpu / wall)
                        .put("client_cpu_us_per_delivery", clientCpu * 1e6 / Math.max(1, s.received))
                        .put("client_cpu_sys_pct_of_cpu", 100 * clientSys / Math.max(clientCpu, 1e-9))
                        .put("client_deliveries_per_read", s.received / (double) Math.max(1, reads1 - reads0))
                        .put("client_cpu_s_by_thread", cpuByThread(threads0, threads1))
                        .put("client_gc_count", gc1.count() - gc0.count()).put("client_gc_ms", gc1.millis() - gc0.millis());
                if (opts.stall > 0) {
                    out.put("stalled", opts.stall).put("stalled_received", s.stalledReceived)
                            .put("stalled_closed", Stats.snapshot(stats.stalledCloseCodes));
                }
            }
        }

        /**
         * Deliveries per write system call of a server (every write it made in the window, the
         * gRPC answers and logs included), or null where its write count is not readable.
         */
        private static Double perWrite(long deliveries, long writesBefore, long writesAfter) {
            return writesBefore < 0 || writesAfter <= writesBefore ? null : deliveries / (double) (writesAfter - writesBefore);
        }

        /**
         * The JIT compiler threads' share of a server's CPU in the window (the young JVM's
         * compilation, not delivery work), or null when the server used no CPU.
         */
        private static Double jitShare(long jitTicks, long allTicks) {
            return allTicks <= 0 ? null : jitTicks / (double) allTicks;
        }

        /** The generator's own collections so far: how many, and their total time. */
        private record GcTotals(long count, long millis) {
            static GcTotals now() {
                long count = 0;
                long millis = 0;
                for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                    count += Math.max(0, gc.getCollectionCount());
                    millis += Math.max(0, gc.getCollectionTime());
                }
                return new GcTotals(count, millis);
            }
        }

        /** CPU seconds per thread group between two {@link ProcStats#selfTicksByThread()} readings. */
        private static java.util.Map<String, Double> cpuByThread(java.util.Map<String, Long> before, java.util.Map<String, Long> after) {
            java.util.Map<String, Double> out = new java.util.TreeMap<>();
            double tick = ProcStats.clockTick();
            after.forEach((name, t) -> {
                long d = t - before.getOrDefault(name, 0L);
                if (d > 0) {
                    out.put(name, d / tick);
                }
            });
            return out;
        }

        /** Waits until {@code expected} arrived, or nothing arrived for {@code --drain-ms}. */
        private void awaitDeliveries(java.util.function.LongSupplier received, long expected) {
            if (!Waits.untilDoneOrStuck(() -> received.getAsLong() >= expected, received,
                    Duration.ofMillis(opts.drainMs), Duration.ofMillis(10), Duration.ofDays(1))) {
                log("gave up waiting: " + received.getAsLong() + " of " + expected + " deliveries");
            }
        }

        private Memory memory() {
            Memory m = new Memory();
            if (opts.gcBeforeRss) {
                try {
                    m.heapKb = proc.gcAndHeapUsedKb();
                } catch (IllegalStateException e) {
                    log("no heap reading: " + e.getMessage()); // e.g. out of descriptors to run jcmd
                }
                // The GC gives memory back to the OS after the pause: read RSS once it stops falling.
                Waits.untilSteady(proc::rssKb, 256, Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(5));
            }
            m.rssKb = proc.rssKb();
            return m;
        }
    }

    private static final class Memory {
        long rssKb;
        long heapKb = -1;
    }
}
