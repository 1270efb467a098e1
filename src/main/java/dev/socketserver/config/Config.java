package dev.socketserver.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Every setting of socket-server, validated. The README's configuration table lists the same
 * names and defaults; keep them in step.
 */
public record Config(
        String tokenKey,
        int httpPort,
        int grpcPort,
        String jwtSecret,
        String jwtPublicKey,
        String jwksUrl,
        String jwtAudience,
        String jwtIssuer,
        List<String> apiKeys,
        boolean apiInsecure,
        Duration apiBodyTimeout,
        int apiMaxInFlight,
        long clientQueueMaxBytes,
        long publishBacklogBytes,
        int writerThreads,
        WritePath wsWritePath,
        Duration pingInterval,
        Duration pongTimeout,
        int maxRoomsPerConnection,
        int wsMaxMessageBytes,
        int maxPublishBytes,
        Duration shutdownTimeout,
        List<String> allowedOrigins,
        RoomsPolicy roomsPolicy,
        int maxConnections,
        int maxConnectionsPerUser,
        double commandRate,
        int commandBurst,
        Duration handshakeTimeout,
        HistorySettings history,
        List<String> presenceEventRooms,
        Duration presenceTtl,
        boolean heapGiveBack,
        boolean demoEnabled,
        BrokerKind broker,
        RedisSettings redis,
        String nodeId,
        boolean metricsEnabled,
        boolean metricsPublic) {

    /** Which engine carries publications, history and presence ({@code BROKER}). */
    public enum BrokerKind {
        /** In this process: a single node. */
        MEMORY,
        /** Redis ({@link RedisSettings}): any number of nodes. */
        REDIS
    }

    /** Who may enter which room. */
    public enum RoomsPolicy {
        /** Any authenticated user may enter any room. */
        OPEN,
        /** A user may enter only rooms matched by the token's {@code rooms} claim. */
        CLAIMS
    }

    public Config {
        apiKeys = List.copyOf(apiKeys);
        allowedOrigins = List.copyOf(allowedOrigins);
        presenceEventRooms = List.copyOf(presenceEventRooms);
    }

    /** How WebSocket frames reach the socket ({@code WS_WRITE_PATH}). */
    public enum WritePath {
        /** The container's batched write shortcut where there is one (Jetty 12.1, Tomcat), else the Jakarta API. */
        AUTO,
        /** The Jakarta API only: no container internals reached, on any container. */
        PORTABLE
    }

    /** Whether any connection authentication is configured. */
    public boolean authConfigured() {
        return jwtSecret != null || jwtPublicKey != null || jwksUrl != null;
    }

    /**
     * Reads every setting from {@code source} (name to raw value, {@code null} if unset).
     *
     * @throws ConfigException listing every invalid setting
     */
    public static Config load(UnaryOperator<String> source) {
        Settings s = new Settings(source);
        String tokenKey = s.string("TOKEN_KEY", "t");
        int httpPort = s.intIn("HTTP_PORT", 3003, 0, 65535);
        int grpcPort = s.intIn("GRPC_PORT", 9003, 0, 65535);
        String secret = s.string("AUTH_JWT_SECRET", null);
        Config c = new Config(
                tokenKey,
                httpPort,
                grpcPort,
                secret,
                s.string("AUTH_JWT_PUBLIC_KEY", null),
                s.string("AUTH_JWKS_URL", null),
                s.string("AUTH_JWT_AUDIENCE", null),
                s.string("AUTH_JWT_ISSUER", null),
                s.list("API_KEYS"),
                s.bool("API_INSECURE", false),
                s.duration("API_BODY_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(10)),
                s.intIn("API_MAX_IN_FLIGHT", 1000, 1, 1_000_000),
                s.bytes("CLIENT_QUEUE_MAX_BYTES", 1 << 20, 1024, 1L << 30),
                s.bytes("PUBLISH_BACKLOG_MAX_BYTES", 8L << 20, 64 * 1024, 1L << 40),
                s.intIn("WRITER_THREADS", 0, 0, 1024),
                s.oneOf("WS_WRITE_PATH", WritePath.AUTO),
                s.duration("PING_INTERVAL", Duration.ofSeconds(25), Duration.ofMillis(100), Duration.ofHours(1)),
                s.duration("PONG_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1)),
                s.intIn("MAX_ROOMS_PER_CONNECTION", 128, 1, 100_000),
                (int) s.bytes("WS_MAX_MESSAGE_BYTES", 64 * 1024, 16, 16 << 20),
                (int) s.bytes("MAX_PUBLISH_BYTES", 1 << 20, 1024, 64 << 20),
                s.duration("SHUTDOWN_TIMEOUT", Duration.ofSeconds(10), Duration.ZERO, Duration.ofMinutes(10)),
                s.list("ALLOWED_ORIGINS"),
                s.oneOf("ROOMS_POLICY", RoomsPolicy.OPEN),
                s.intIn("MAX_CONNECTIONS", 100_000, 1, 10_000_000),
                s.intIn("MAX_CONNECTIONS_PER_USER", 100, 1, 1_000_000),
                s.longIn("CLIENT_COMMAND_RATE", 50, 1, 1_000_000),
                s.intIn("CLIENT_COMMAND_BURST", 100, 1, 1_000_000),
                s.duration("HANDSHAKE_TIMEOUT", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(10)),
                historySettings(s),
                s.list("PRESENCE_EVENTS"),
                s.duration("PRESENCE_TTL", Duration.ofSeconds(60), Duration.ofSeconds(3), Duration.ofHours(1)),
                s.bool("HEAP_GIVE_BACK", false),
                s.bool("DEMO_ENABLED", false),
                s.oneOf("BROKER", BrokerKind.MEMORY),
                redisSettings(s),
                nodeId(s),
                s.bool("METRICS_ENABLED", true),
                s.bool("METRICS_PUBLIC", false));
        if (secret != null && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
            // Checked here too (the verifier checks it again), so that one start lists it with the rest.
            s.problems().add("AUTH_JWT_SECRET: must be at least 32 bytes (256 bits)");
        }
        if (!tokenKey.matches("[A-Za-z0-9_.~-]+")) {
            s.problems().add("TOKEN_KEY=" + tokenKey + ": must be a plain query parameter name");
        }
        if (!s.problems().isEmpty()) {
            throw new ConfigException(s.problems());
        }
        return c;
    }

    private static RedisSettings redisSettings(Settings s) {
        List<String> addresses = s.list("REDIS_ADDRESSES");
        if (addresses.isEmpty()) {
            addresses = List.of(RedisSettings.DEFAULT_ADDRESS);
        }
        for (String a : addresses) {
            String problem = RedisSettings.problemOf(a);
            if (problem != null) {
                s.problems().add("REDIS_ADDRESSES item '" + RedisSettings.redact(a) + "': " + problem
                        + " (e.g. redis://127.0.0.1:6379 or rediss://user:password@host:6380)");
            }
        }
        boolean cluster = s.bool("REDIS_CLUSTER", false);
        String prefix = s.string("REDIS_PREFIX", RedisSettings.DEFAULT_PREFIX);
        checkName(s, "REDIS_PREFIX", prefix);
        Duration timeout = s.duration("REDIS_TIMEOUT", RedisSettings.DEFAULT_TIMEOUT, Duration.ofMillis(100),
                Duration.ofMinutes(1));
        return new RedisSettings(addresses, cluster, prefix, timeout);
    }

    /** {@code NODE_ID}, or a new random one: unique per process, so a restarted node is a new node. */
    private static String nodeId(Settings s) {
        String id = s.string("NODE_ID", null);
        if (id == null) {
            return java.util.UUID.randomUUID().toString();
        }
        checkName(s, "NODE_ID", id);
        return id;
    }

    /** Names that go into Redis keys and channels: 1-64 of A-Z a-z 0-9 _ . : - */
    private static void checkName(Settings s, String variable, String value) {
        if (!value.matches("[A-Za-z0-9_.:-]{1,64}")) {
            s.problems().add(variable + "=" + value + ": 1-64 of A-Z a-z 0-9 _ . : -");
        }
    }

    private static HistorySettings historySettings(Settings s) {
        int size = s.intIn("HISTORY_SIZE", 100, 0, 1_000_000);
        Duration ttl = s.duration("HISTORY_TTL", Duration.ofMinutes(5), Duration.ZERO, Duration.ofDays(30));
        List<HistorySettings.RoomOverride> rooms = new ArrayList<>();
        for (String item : s.list("HISTORY_ROOMS")) {
            int eq = item.lastIndexOf('=');
            String[] v = eq < 0 ? new String[0] : item.substring(eq + 1).split("/");
            try {
                if (eq <= 0 || v.length == 0 || v.length > 2) {
                    throw new IllegalArgumentException();
                }
                int n = Integer.parseInt(v[0].trim());
                Duration t = v.length == 2
                        ? Settings.parseDuration(v[1].trim())
                        : ttl;
                if (n < 0 || n > 1_000_000 || t.isNegative() || t.compareTo(Duration.ofDays(30)) > 0) {
                    throw new IllegalArgumentException();
                }
                rooms.add(new HistorySettings.RoomOverride(item.substring(0, eq).trim(), n, t));
            } catch (IllegalArgumentException e) {
                s.problems().add("HISTORY_ROOMS item '" + item + "': expected pattern=size or pattern=size/ttl"
                        + " (e.g. chat:*=500/10m; size at most 1000000, ttl at most 30d)");
            }
        }
        Duration window = s.duration("IDEMPOTENCY_WINDOW", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofDays(1));
        int maxStreams = s.intIn("HISTORY_MAX_STREAMS", HistorySettings.DEFAULT_MAX_STREAMS, 1, 100_000_000);
        Duration metaTtl = s.duration("HISTORY_META_TTL", HistorySettings.DEFAULT_META_TTL, Duration.ofSeconds(1),
                Duration.ofDays(365));
        int maxKeys = s.intIn("IDEMPOTENCY_MAX_KEYS", HistorySettings.DEFAULT_MAX_KEYS, 1, 100_000_000);
        return new HistorySettings(size, ttl, rooms, window, maxStreams, metaTtl, maxKeys);
    }

    /** System properties, then environment variables, then {@code fallback} (e.g. context parameters). */
    public static UnaryOperator<String> standardSource(UnaryOperator<String> fallback) {
        return name -> {
            String v = System.getProperty(name);
            if (v == null) {
                v = System.getenv(name);
            }
            if (v == null && fallback != null) {
                v = fallback.apply(name);
            }
            return v;
        };
    }
}
