package dev.socketserver.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A Node.js project in the repository that tests run ({@code src/test/js/grpc-status},
 * {@code clients/js}). Its locked dependencies are installed with {@code npm ci} the first time
 * a test needs them (once per JVM and folder), so a fresh clone needs nothing but Node.js and npm
 * on the PATH; no tool is downloaded.
 */
public final class NodeProject {
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(3);
    private static final Set<Path> INSTALLED = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final int minNodeMajor;

    /** The project in {@code dir} (absolute), needing at least Node.js {@code minNodeMajor}. */
    public NodeProject(Path dir, int minNodeMajor) {
        this.dir = dir.toAbsolutePath();
        this.minNodeMajor = minNodeMajor;
    }

    /** The repository's root: where {@code mvn} runs (the parent of the build's {@code target}). */
    public static Path repositoryDir() {
        return EmbeddedJetty.war().toAbsolutePath().getParent().getParent();
    }

    public Path dir() {
        return dir;
    }

    /**
     * Checks the Node.js version and runs {@code npm ci} once.
     *
     * @throws IllegalStateException when Node.js or npm is missing or too old, or the install fails
     */
    public synchronized void install() throws IOException, InterruptedException {
        if (INSTALLED.contains(dir)) {
            return;
        }
        String version;
        try {
            version = run(List.of("node", "--version"), Map.of(), Duration.ofSeconds(20), "node --version").strip();
            run(List.of("npm", "--version"), Map.of(), Duration.ofSeconds(30), "npm --version");
        } catch (IOException e) {
            throw new IllegalStateException(dir.getFileName() + " needs Node.js " + minNodeMajor
                    + "+ and npm on the PATH (CI has them; e.g. apt-get install nodejs npm): " + e.getMessage(), e);
        }
        int major = Integer.parseInt(version.replaceFirst("^v(\\d+).*", "$1"));
        if (major < minNodeMajor) {
            throw new IllegalStateException(dir.getFileName() + " needs Node.js " + minNodeMajor + "+, found " + version);
        }
        run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), Map.of(), INSTALL_TIMEOUT,
                "npm ci in " + dir);
        INSTALLED.add(dir);
    }

    /**
     * Runs a command in {@link #dir()} with extra environment variables; returns its output
     * (stdout and stderr together), or throws with it when it fails or runs out of time.
     */
    public String run(List<String> command, Map<String, String> env, Duration timeout, String what)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("node-", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(env);
            Process p = builder.start();
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
