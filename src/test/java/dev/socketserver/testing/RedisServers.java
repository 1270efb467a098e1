package dev.socketserver.testing;

import static org.awaitility.Awaitility.await;

import dev.socketserver.config.RedisSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Real Redis servers for tests. {@link #shared()} is the one at {@code REDIS_URL} (default
 * {@code redis://127.0.0.1:6379}), or one started here when that default is not running; the
 * others are {@code redis-server} processes started here on free ports, stopped when the JVM
 * ends (or by {@link Server#stop()}). Tests isolate themselves with a fresh key prefix
 * ({@link #freshPrefix()}). A missing {@code redis-server} fails with how to install it.
 */
public final class RedisServers {
    private static final Duration START = Duration.ofSeconds(20);
    private static final List<Server> STARTED = new ArrayList<>();
    private static List<String> shared;
    private static List<Server> shards;
    private static List<Server> cluster;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (STARTED) {
                STARTED.forEach(Server::stop);
            }
        }, "redis-servers-stop"));
    }

    private RedisServers() {
    }

    /** A key and channel namespace no other test uses. */
    public static String freshPrefix() {
        return "sst-" + UUID.randomUUID().toString().substring(0, 13);
    }

    /** Settings for {@code urls} with a fresh prefix and a short timeout. */
    public static RedisSettings settings(List<String> urls, boolean isCluster) {
        return new RedisSettings(urls, isCluster, freshPrefix(), Duration.ofSeconds(2));
    }

    /** The Redis at {@code REDIS_URL} (property or environment), or one started here when the default address has none. */
    public static synchronized List<String> shared() {
        if (shared == null) {
            String url = System.getProperty("REDIS_URL", System.getenv("REDIS_URL"));
            String address = url == null || url.isBlank() ? RedisSettings.DEFAULT_ADDRESS : url.trim();
            if (reachable(address)) {
                shared = List.of(address);
            } else if (url != null && !url.isBlank()) {
                throw new IllegalStateException("REDIS_URL=" + RedisSettings.redact(address)
                        + " is not reachable; start that Redis or unset REDIS_URL to let the tests start their own");
            } else {
                shared = List.of(start().url());
            }
        }
        return shared;
    }

    /** Two independent servers, for sharding. */
    public static synchronized List<String> twoShards() {
        if (shards == null) {
            shards = List.of(start(), start());
        }
        return shards.stream().map(Server::url).toList();
    }

    /** A Redis Cluster of three masters without replicas; the URLs of its nodes. */
    public static synchronized List<String> cluster() {
        if (cluster == null) {
            List<Server> nodes = List.of(start("--cluster-enabled", "yes"), start("--cluster-enabled", "yes"),
                    start("--cluster-enabled", "yes"));
            List<String> cmd = new ArrayList<>(List.of(binary("redis-cli"), "--cluster", "create"));
            nodes.forEach(n -> cmd.add("127.0.0.1:" + n.port()));
            cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            run(cmd);
            for (Server n : nodes) {
                await().atMost(START).pollInterval(Duration.ofMillis(100))
                        .until(() -> n.command("CLUSTER", "INFO").contains("cluster_state:ok"));
            }
            cluster = nodes;
        }
        return cluster.stream().map(Server::url).toList();
    }

    /** A new server of its own (for restarts), stopped at the end of the JVM at the latest. */
    public static Server start(String... options) {
        Server s = new Server(freePort(), options);
        s.begin();
        synchronized (STARTED) {
            STARTED.add(s);
        }
        return s;
    }

    /** One {@code redis-server} process on a port, without persistence: a restart loses its data. */
    public static final class Server {
        private final int port;
        private final String[] options;
        private final Path dir;
        private volatile Process process;

        Server(int port, String[] options) {
            this.port = port;
            this.options = options;
            try {
                this.dir = Files.createTempDirectory("redis-" + port + "-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public int port() {
            return port;
        }

        public String url() {
            return "redis://127.0.0.1:" + port;
        }

        void begin() {
            List<String> cmd = new ArrayList<>(List.of(binary("redis-server"), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                    "--cluster-config-file", "nodes.conf"));
            cmd.addAll(List.of(options));
            try {
                Files.deleteIfExists(dir.resolve("nodes.conf"));
                process = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("redis.log").toFile()).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            await().atMost(START).pollInterval(Duration.ofMillis(20)).until(() -> reachable(url()));
        }

        /** Kills the process (its data is lost), as a crash would. */
        public void stop() {
            Process p = process;
            if (p != null) {
                p.destroyForcibly();
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                process = null;
            }
        }

        /** Starts it again on the same port, empty. */
        public void restart() {
            stop();
            begin();
        }

        /** One command through redis-cli; its output. */
        public String command(String... args) {
            List<String> cmd = new ArrayList<>(List.of(binary("redis-cli"), "-p", Integer.toString(port)));
            cmd.addAll(List.of(args));
            return run(cmd);
        }
    }

    private static String binary(String name) {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin")) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        throw new IllegalStateException(name + " is not installed: the Redis tests need a real Redis. Install it with "
                + "'apt-get install redis-server' (Debian/Ubuntu; it brings redis-cli too) or 'brew install redis'.");
    }

    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean reachable(String url) {
        java.net.URI u = java.net.URI.create(url);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(u.getHost(), u.getPort() < 0 ? 6379 : u.getPort()), 500);
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(1000);
            byte[] b = new byte[64];
            int n = s.getInputStream().read(b);
            return n > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** A free port whose cluster bus port (+10000) is free too. */
    private static int freePort() {
        for (int i = 0; i < 100; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                int p = s.getLocalPort();
                if (p < 55000) {
                    try (ServerSocket bus = new ServerSocket(p + 10000)) {
                        return p;
                    } catch (IOException busy) {
                        // try another
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no free port pair for redis-server");
    }

    /**
     * Lets {@code d} pass for the keys under {@code prefix} on every server of {@code urls}
     * (each master of a cluster): a key that would expire within it is deleted, every other
     * key's TTL is shortened by it. With a clock the engine reads moved by as much, it is the
     * engine's view of {@code d} passing, without waiting.
     */
    public static void passTime(List<String> urls, String prefix, Duration d) {
        for (String url : urls) {
            RedisClient client = RedisClient.create(url);
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                for (String key : c.sync().keys(prefix + ":*")) {
                    long ttl = c.sync().pttl(key);
                    if (ttl < 0) {
                        continue;
                    }
                    if (ttl <= d.toMillis()) {
                        c.sync().del(key);
                    } else {
                        c.sync().pexpire(key, ttl - d.toMillis());
                    }
                }
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }
}
