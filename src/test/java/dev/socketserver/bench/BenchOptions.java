package dev.socketserver.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Command-line options of {@link Bench}; {@code --help} prints them. */
final class BenchOptions {
    enum Mode { ROOM, PRIVATE, BROADCAST, IDLE }

    static final String DEV_SECRET = "dev-secret-change-me-0123456789abcdef";

    String host = "127.0.0.1";
    int wsPort = 3003;
    int grpcPort = 9003;
    String tokenKey = "t";
    int connections = 1000;
    int sources = 0; // 0 = automatic
    int clientThreads = 2;
    Mode mode = Mode.ROOM;
    String room = "bench";
    int messages = 10_000;
    double rate = 0; // 0 = as fast as possible with `inflight` calls in flight
    int inflight = 64;
    int warmup = 200;
    double warmupRate = 0; // 0 = as fast as possible
    int payloadBytes = 0;
    String secret = DEV_SECRET;
    String apiKey;
    long serverPid = 0;
    /** Every node's WebSocket port (--ws-ports); one entry, {@link #wsPort}, unless several nodes. */
    List<Integer> wsPorts = new ArrayList<>();
    /** Every gRPC port publishes go to (--grpc-ports), round-robin; one entry, {@link #grpcPort}, by default. */
    List<Integer> grpcPorts = new ArrayList<>();
    /** PIDs of the cluster's nodes (--node-pids), whose CPU is reported per node. */
    List<Long> nodePids = new ArrayList<>();
    long redisPid = 0;
    boolean gcBeforeRss;
    int stall = 0;
    int stallRcvBuf = 4096;
    int connectConcurrency = 48;
    long deadlineMs = 10_000;
    long drainMs = 5_000;
    long settleMs = 1_000;
    long connectTimeoutS = 600;
    String jfrFile;
    String label = "";

    static final String USAGE = String.join("\n",
            "Bench: load generator for socket-server (prints one JSON line on stdout; progress on stderr).",
            "  --host H               server address (127.0.0.x only; default 127.0.0.1)",
            "  --ws-port P            WebSocket port (HTTP_PORT, default 3003)",
            "  --grpc-port P          gRPC port (GRPC_PORT, default 9003)",
            "  --token-key K          token query parameter (TOKEN_KEY, default t)",
            "  --connections C        WebSocket connections (default 1000)",
            "  --sources N            spread over 127.0.0.1..127.0.0.N as local address (default max(2, ceil(C/20000)))",
            "  --client-threads N     selector threads of the WebSocket client (default 2)",
            "  --mode M               room | private | broadcast | idle (idle: connect, measure memory, exit)",
            "  --room R               room name (default bench)",
            "  --messages M           messages to publish (default 10000)",
            "  --rate R               fixed publish rate in msg/s (default: as fast as possible)",
            "  --inflight K           gRPC calls in flight (default 64; also the cap in --rate mode)",
            "  --warmup W             warm-up messages before measuring (default 200; 0 = none)",
            "  --warmup-rate R        publish the warm-up at R msg/s (default: as fast as possible); at a low",
            "                         rate the JIT keeps compiling the low-rate paths for ~40 s after a fast warm-up",
            "  --payload-bytes N      pad each body with N bytes (default 0)",
            "  --secret S             HS256 secret for connection tokens (default: the dev secret)",
            "  --api-key K            send 'authorization: Bearer K' on gRPC calls",
            "  --server-pid PID       measure server CPU per delivery and RSS per connection",
            "  --ws-ports P1,P2,..    several nodes: connection i goes to port i mod N (--client-threads a multiple of N)",
            "  --grpc-ports P1,P2,..  several nodes: publication i goes to port i mod N, as behind a load balancer",
            "  --node-pids A,B,..     several nodes: CPU per delivery of each (its connections' share of the deliveries)",
            "  --redis-pid PID        Redis CPU per publication",
            "  --gc-before-rss        run 'jcmd PID GC.run' before each RSS reading (also reports heap used)",
            "  --stall N              the first N connections stop reading after subscribing",
            "  --stall-rcvbuf B       SO_RCVBUF of stalled connections (default 4096)",
            "  --connect-concurrency N  handshakes in flight (default 48: Jetty's default accept backlog is 50)",
            "  --deadline-ms D        gRPC deadline per call (default 10000)",
            "  --drain-ms D           after the last publish, wait until no delivery for D ms (default 5000)",
            "  --settle-ms D          before the 'connected' RSS reading: at least D ms, then until the server used",
            "                         under 50 ms of CPU in 0.5 s (at most 30 s more) (default 1000)",
            "  --connect-timeout-s S  bound on connecting and subscribing (default 600)",
            "  --jfr FILE             record the server with JFR (jcmd) during the measured phase",
            "  --label L              copied into the JSON line");

    static BenchOptions parse(String[] args) {
        BenchOptions o = new BenchOptions();
        List<String> a = new ArrayList<>();
        for (String s : args) {
            // Maven passes -Dbench.args as one string when quoted oddly: split on whitespace.
            for (String part : s.trim().split("\\s+")) {
                if (!part.isEmpty()) {
                    a.add(part);
                }
            }
        }
        for (int i = 0; i < a.size(); i++) {
            String k = a.get(i);
            if (k.equals("--help") || k.equals("-h") || k.equals("help")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (k.equals("--gc-before-rss")) {
                o.gcBeforeRss = true;
                continue;
            }
            if (i + 1 >= a.size()) {
                throw new IllegalArgumentException(k + " needs a value\n" + USAGE);
            }
            String v = a.get(++i);
            switch (k) {
                case "--host" -> o.host = v;
                case "--ws-port" -> o.wsPort = Integer.parseInt(v);
                case "--grpc-port" -> o.grpcPort = Integer.parseInt(v);
                case "--token-key" -> o.tokenKey = v;
                case "--connections" -> o.connections = Integer.parseInt(v);
                case "--sources" -> o.sources = Integer.parseInt(v);
                case "--client-threads" -> o.clientThreads = Integer.parseInt(v);
                case "--mode" -> o.mode = Mode.valueOf(v.toUpperCase(Locale.ROOT));
                case "--room" -> o.room = v;
                case "--messages" -> o.messages = Integer.parseInt(v);
                case "--rate" -> o.rate = Double.parseDouble(v);
                case "--inflight" -> o.inflight = Integer.parseInt(v);
                case "--warmup" -> o.warmup = Integer.parseInt(v);
                case "--warmup-rate" -> o.warmupRate = Double.parseDouble(v);
                case "--payload-bytes" -> o.payloadBytes = Integer.parseInt(v);
                case "--secret" -> o.secret = v;
                case "--api-key" -> o.apiKey = v;
                case "--server-pid" -> o.serverPid = Long.parseLong(v);
                case "--ws-ports" -> o.wsPorts = parseList(v).stream().map(Integer::valueOf).toList();
                case "--grpc-ports" -> o.grpcPorts = parseList(v).stream().map(Integer::valueOf).toList();
                case "--node-pids" -> o.nodePids = parseList(v).stream().map(Long::valueOf).toList();
                case "--redis-pid" -> o.redisPid = Long.parseLong(v);
                case "--stall" -> o.stall = Integer.parseInt(v);
                case "--stall-rcvbuf" -> o.stallRcvBuf = Integer.parseInt(v);
                case "--connect-concurrency" -> o.connectConcurrency = Integer.parseInt(v);
                case "--deadline-ms" -> o.deadlineMs = Long.parseLong(v);
                case "--drain-ms" -> o.drainMs = Long.parseLong(v);
                case "--settle-ms" -> o.settleMs = Long.parseLong(v);
                case "--connect-timeout-s" -> o.connectTimeoutS = Long.parseLong(v);
                case "--jfr" -> o.jfrFile = v;
                case "--label" -> o.label = v;
                default -> throw new IllegalArgumentException("unknown option " + k + "\n" + USAGE);
            }
        }
        o.validate();
        return o;
    }

    private static List<String> parseList(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }

    private void validate() {
        if (wsPorts.isEmpty()) {
            wsPorts = List.of(wsPort);
        }
        if (grpcPorts.isEmpty()) {
            grpcPorts = List.of(grpcPort);
        }
        if (clientThreads % wsPorts.size() != 0) {
            throw new IllegalArgumentException("--client-threads must be a multiple of the number of --ws-ports");
        }
        if (!nodePids.isEmpty() && nodePids.size() != wsPorts.size()) {
            throw new IllegalArgumentException("--node-pids needs one PID per --ws-ports entry");
        }
        if (!host.startsWith("127.") && !host.equals("localhost")) {
            throw new IllegalArgumentException("--host must be a loopback address (127.x or localhost)");
        }
        if (clientThreads < 1 || connectConcurrency < 1) {
            throw new IllegalArgumentException("need --client-threads >= 1, --connect-concurrency >= 1");
        }
        if (connections < 1 || messages < 0 || inflight < 1 || stall < 0 || stall >= Math.max(1, connections)) {
            throw new IllegalArgumentException("need --connections >= 1, --messages >= 0, --inflight >= 1, 0 <= --stall < C");
        }
        if (sources <= 0) {
            sources = Math.max(2, (connections + 19_999) / 20_000);
        }
        if (sources > 254) {
            throw new IllegalArgumentException("--sources must be <= 254");
        }
    }

    /** Connections that read normally (the stalled ones are excluded from delivery accounting). */
    int liveConnections() {
        return connections - stall;
    }
}
