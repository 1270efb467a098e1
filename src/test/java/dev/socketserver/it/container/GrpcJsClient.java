package dev.socketserver.it.container;

import dev.socketserver.testing.WsClient;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A non-Java gRPC client: grpc-js, run by Node.js from {@code src/test/js/grpc-status}. Its
 * locked dependencies are installed with {@code npm ci} the first time a test needs them (once
 * per JVM), so a fresh clone needs nothing but Node.js and npm on the PATH.
 */
final class GrpcJsClient {
    static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(3);
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
    private static final int MIN_NODE_MAJOR = 18;
    private static boolean installed;

    /** What grpc-js reported for one call: its status code number and details. */
    record Outcome(int code, String details) {
    }

    private GrpcJsClient() {
    }

    static Path dir() {
        return DistributionServer.projectDir().resolve("src/test/js/grpc-status");
    }

    /**
     * Runs {@code statuses.mjs} against {@code port}: each of its cases by name, in order.
     *
     * @throws IllegalStateException when Node.js or npm is missing, the install fails, or the
     *                               script fails or runs out of time
     */
    static Map<String, Outcome> statuses(int port, String apiKey) throws IOException, InterruptedException {
        install();
        Path protoDir = DistributionServer.projectDir().resolve("src/main/proto");
        String out = run(List.of("node", "statuses.mjs", String.valueOf(port), apiKey, protoDir.toString()),
                RUN_TIMEOUT, "grpc-js statuses");
        Map<String, Outcome> byCase = new LinkedHashMap<>();
        for (String line : out.lines().filter(l -> l.startsWith("{")).toList()) {
            JsonObject o = WsClient.parse(line);
            byCase.put(o.getString("case"), new Outcome(o.getInt("code"), o.getString("details")));
        }
        return byCase;
    }

    private static synchronized void install() throws IOException, InterruptedException {
        if (installed) {
            return;
        }
        String version;
        try {
            version = run(List.of("node", "--version"), Duration.ofSeconds(20), "node --version").strip();
            run(List.of("npm", "--version"), Duration.ofSeconds(30), "npm --version");
        } catch (IOException e) {
            throw new IllegalStateException("the grpc-js check needs Node.js " + MIN_NODE_MAJOR
                    + "+ and npm on the PATH (CI has them; e.g. apt-get install nodejs npm): " + e.getMessage(), e);
        }
        int major = Integer.parseInt(version.replaceFirst("^v(\\d+).*", "$1"));
        if (major < MIN_NODE_MAJOR) {
            throw new IllegalStateException("the grpc-js check needs Node.js " + MIN_NODE_MAJOR + "+, found " + version);
        }
        run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), INSTALL_TIMEOUT,
                "npm ci in " + dir());
        installed = true;
    }

    /** Runs a command in {@link #dir()}; returns its output, or throws with it when it fails. */
    private static String run(List<String> command, Duration timeout, String what)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile(DistributionServer.targetDir(), "grpc-js-", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(dir().toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(what + " did not finish within " + timeout + ":\n" + read(log));
            }
            String out = read(log);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(what + " failed with exit code " + p.exitValue() + ":\n" + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String read(Path log) throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }
}
