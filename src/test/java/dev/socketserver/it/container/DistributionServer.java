package dev.socketserver.it.container;

import static org.awaitility.Awaitility.await;

import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.Tokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A stock servlet-container distribution running the WAR as a separate process. Subclasses
 * prepare a fresh base directory under {@code target/containers/} and build the command line;
 * this class picks free ports, captures the process output to {@code server.log}, waits for
 * readiness with bounded polling and stops the process (SIGTERM, then kill, bounded waits).
 */
public abstract class DistributionServer implements AutoCloseable {
    /** Low enough for a race of {@code 8 x} as many handshakes of one user. */
    public static final int MAX_CONNECTIONS_PER_USER = 5;
    /** Settings every test deployment gets, as environment variables. */
    public static final Map<String, String> TEST_ENV = Map.of(
            "AUTH_JWT_SECRET", Tokens.SECRET,
            "API_KEYS", GrpcClient.API_KEY,
            "MAX_CONNECTIONS_PER_USER", String.valueOf(MAX_CONNECTIONS_PER_USER));

    static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    /** HTTP/1.1 only: the JDK client would otherwise upgrade to h2c and keep an HTTP/2 session open. */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    protected final Path dir;
    protected final Path log;
    protected int httpPort;
    protected int secondPort;
    private final Map<String, String> env = new java.util.HashMap<>(TEST_ENV);
    private Process process;
    private StopResult stopped;
    private Duration readyTimeout = READY_TIMEOUT;

    protected DistributionServer(String name) {
        this.name = name;
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        this.dir = targetDir().resolve("containers").resolve(name + "-" + stamp).toAbsolutePath();
        this.log = dir.resolve("server.log");
        choosePorts();
    }

    /**
     * Two free ports, as the kernel sees them now: another process (any outgoing connection) may
     * still take one before the server binds it, which {@link #start} detects and retries.
     */
    private void choosePorts() {
        httpPort = freePort();
        int p = freePort();
        while (p == httpPort) {
            p = freePort();
        }
        secondPort = p;
    }

    /** Prepares the base directory (files, WAR, configuration). */
    protected abstract void prepare() throws IOException, InterruptedException;

    /** The command that runs the server in the foreground (its pid must be the JVM's). */
    protected abstract ProcessBuilder command();

    /** Adds a setting (an environment variable of the server process) to {@link #TEST_ENV}; call before {@link #start}. */
    public final DistributionServer withSetting(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** How long {@link #start} waits for the WAR (default {@link #READY_TIMEOUT}); call before it. */
    public final DistributionServer withReadyTimeout(Duration timeout) {
        readyTimeout = timeout;
        return this;
    }

    /**
     * Starts the process and waits until the WAR answers on both ports; when one of the ports was
     * taken between choosing and binding it, starts again on two new ones (at most three times).
     */
    public final DistributionServer start() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        prepare();
        for (int attempt = 1; ; attempt++) {
            long logStart = logSize();
            launch();
            if (awaitReady(logStart)) {
                return this;
            }
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
            if (attempt == 3) {
                throw new IllegalStateException(name + " found a port taken three times; log " + log + ":\n" + tail(60));
            }
            int oldHttp = httpPort;
            int oldSecond = secondPort;
            choosePorts();
            Files.writeString(log, "--- test harness: port " + oldHttp + " or " + oldSecond + " was taken; starting again on "
                    + httpPort + " and " + secondPort + "\n", StandardOpenOption.APPEND);
        }
    }

    private void launch() throws IOException {
        ProcessBuilder pb = command();
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = pb.start();
        Process p = process;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Never leave a server behind if the test JVM goes away.
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }));
    }

    /**
     * True once the WAR answers on both ports; false if the server logged, after {@code logStart}
     * bytes of its log, that it could not bind one of them.
     */
    private boolean awaitReady(long logStart) {
        try {
            await("the WAR answering on ports " + httpPort + " and " + secondPort)
                    .atMost(readyTimeout)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        if (portTaken(logStart)) {
                            return true;
                        }
                        if (!process.isAlive()) {
                            throw new IllegalStateException(name + " exited with " + process.exitValue()
                                    + " before it was ready; log " + log + ":\n" + tail(60));
                        }
                        return answersAsApp(httpPort) && answersAsApp(secondPort);
                    });
            return !portTaken(logStart);
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(name + " not ready within " + readyTimeout + "; log " + log
                    + ":\n" + tail(60), e);
        }
    }

    private long logSize() {
        try {
            return Files.size(log);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The container logged a failed bind since {@code from} (Jetty exits; Tomcat runs on without the connector). */
    private boolean portTaken(long from) {
        if (!Files.exists(log)) {
            return false;
        }
        byte[] all;
        try {
            all = Files.readAllBytes(log);
        } catch (IOException e) {
            return false;
        }
        int start = (int) Math.min(from, all.length);
        return new String(all, start, all.length - start, StandardCharsets.UTF_8).contains("Address already in use");
    }

    /** {@code GET /ws} without an upgrade: the app (not the container) answers 400. */
    private static boolean answersAsApp(int port) throws InterruptedException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ws"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 400 && r.body().contains("bad_request");
        } catch (IOException e) {
            return false;
        }
    }

    public String name() {
        return name;
    }

    /** HTTP/1.1 + WebSocket + gRPC (h2c). */
    public int httpPort() {
        return httpPort;
    }

    /** The second connector (the old GRPC_PORT), same protocols. */
    public int secondPort() {
        return secondPort;
    }

    public String wsUrl(String token) {
        return "ws://127.0.0.1:" + httpPort + "/ws" + (token == null ? "" : "?t=" + token);
    }

    public Path logFile() {
        return log;
    }

    /** The captured output so far. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String tail(int lines) {
        List<String> all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** How the process ended. */
    public record StopResult(boolean graceful, int exitCode, Duration took) {
    }

    /**
     * Stops the server like {@code docker stop} does: SIGTERM (the container's shutdown hook
     * stops connectors and undeploys the WAR), then a kill if it is still running after
     * {@link #STOP_TIMEOUT}. Idempotent.
     */
    public synchronized StopResult stop() throws InterruptedException {
        if (stopped != null) {
            return stopped;
        }
        if (process == null) {
            return stopped = new StopResult(true, 0, Duration.ZERO);
        }
        long t0 = System.nanoTime();
        process.destroy();
        boolean graceful = process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!graceful) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        return stopped = new StopResult(graceful, process.isAlive() ? -1 : process.exitValue(), took);
    }

    /**
     * Kills the server's JVM with SIGKILL, as a crashed machine would end it: no shutdown hook,
     * no close frame, no goodbye to the broker. Later {@link #stop()} calls do nothing.
     */
    public synchronized void kill() throws InterruptedException {
        if (process == null || stopped != null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " still runs 10 s after SIGKILL");
        }
        stopped = new StopResult(false, process.exitValue(), Duration.ZERO);
    }

    /** The server JVM's process id. */
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    static Path targetDir() {
        return distDir().getParent();
    }

    /** Where the build unpacked the stock distributions ({@code target/dist}). */
    static Path distDir() {
        Path d = Path.of(System.getProperty("socketserver.dist.dir", "target/dist")).toAbsolutePath();
        if (!Files.isDirectory(d)) {
            throw new IllegalStateException(d + " is missing: run 'mvn verify' (it unpacks the distributions)");
        }
        return d;
    }

    /** The project directory (for the files under deploy/). */
    static Path projectDir() {
        return targetDir().getParent();
    }

    static Path war() {
        Path war = Path.of(System.getProperty("socketserver.war", "target/socket-server.war")).toAbsolutePath();
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException(war + " is missing: run 'mvn verify'");
        }
        return war;
    }

    /** The one directory in {@code target/dist} whose name starts with {@code prefix}. */
    static Path distribution(String prefix) throws IOException {
        try (var s = Files.list(distDir())) {
            List<Path> found = s.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p)).toList();
            if (found.size() != 1) {
                throw new IllegalStateException("expected one " + prefix + "* in " + distDir() + ", found " + found);
            }
            return found.get(0);
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
