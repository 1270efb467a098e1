package dev.socketserver.it.container;

import java.nio.file.Files;
import java.util.Map;

/**
 * The WAR in embedded Jetty (the dev launcher, {@code dev.socketserver.DevServer}) as a
 * separate JVM, so that a test can kill it with SIGKILL like the stock distributions. Runs on
 * the test classpath; the ports are passed as {@code HTTP_PORT} and {@code GRPC_PORT}. The
 * launcher's dev defaults ({@code API_INSECURE}, its JWT secret) are overridden by the
 * settings, which it reads from the environment like any deployment.
 */
public final class EmbeddedJettyProcess extends DistributionServer {

    public EmbeddedJettyProcess() {
        super("embedded-jetty");
    }

    @Override
    protected void prepare() throws java.io.IOException {
        war(); // fails early with the usual message when the build has not made it
        Files.createDirectories(dir.resolve("tmp"));
    }

    @Override
    protected ProcessBuilder command() {
        ProcessBuilder pb = new ProcessBuilder(java(), "-Xmx512m", "-Djava.io.tmpdir=" + dir.resolve("tmp"),
                "-Dsocketserver.war=" + war(), "-cp", System.getProperty("java.class.path"), "dev.socketserver.DevServer");
        pb.directory(projectDir().toFile());
        Map<String, String> env = pb.environment();
        env.put("HTTP_PORT", String.valueOf(httpPort));
        env.put("GRPC_PORT", String.valueOf(secondPort));
        env.put("DEMO_ENABLED", "false");
        return pb;
    }
}
