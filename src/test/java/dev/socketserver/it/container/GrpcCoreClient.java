package dev.socketserver.it.container;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A second non-Java gRPC client: gRPC's C core through Debian's {@code python3-grpcio}, run by
 * the system Python ({@code /usr/bin/python3}) from {@code src/test/python/grpc-status}.
 */
final class GrpcCoreClient {
    static final Path PYTHON = Path.of("/usr/bin/python3");

    private GrpcCoreClient() {
    }

    /** Why the client cannot run here, or null when it can. */
    static String unavailable() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return PYTHON + " is missing (apt-get install python3-grpcio)";
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import grpc").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            return "python3-grpcio is missing (apt-get install python3-grpcio): " + out.strip();
        }
        return null;
    }

    /** Runs {@code statuses.py} against {@code port}: each of its cases by name, in order. */
    static Map<String, GrpcJsClient.Outcome> statuses(int port, String apiKey) throws IOException, InterruptedException {
        Path script = DistributionServer.projectDir().resolve("src/test/python/grpc-status/statuses.py");
        Path log = Files.createTempFile("grpc-core-", ".log");
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), String.valueOf(port), apiKey)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(GrpcJsClient.RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("statuses.py did not finish within " + GrpcJsClient.RUN_TIMEOUT
                        + ":\n" + Files.readString(log));
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("statuses.py failed with exit code " + p.exitValue() + ":\n" + out);
            }
            return GrpcJsClient.outcomes(out);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
