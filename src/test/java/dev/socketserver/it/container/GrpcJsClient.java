package dev.socketserver.it.container;

import dev.socketserver.testing.NodeProject;
import dev.socketserver.testing.WsClient;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A non-Java gRPC client: grpc-js, run by Node.js from {@code src/test/js/grpc-status} (a
 * {@link NodeProject}: its locked dependencies are installed by the test itself).
 */
final class GrpcJsClient {
    static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
    private static final NodeProject PROJECT =
            new NodeProject(DistributionServer.projectDir().resolve("src/test/js/grpc-status"), 18);

    /** What grpc-js reported for one call: its status code number and details. */
    record Outcome(int code, String details) {
    }

    private GrpcJsClient() {
    }

    /**
     * Runs {@code statuses.mjs} against {@code port}: each of its cases by name, in order.
     *
     * @throws IllegalStateException when Node.js or npm is missing, the install fails, or the
     *                               script fails or runs out of time
     */
    static Map<String, Outcome> statuses(int port, String apiKey) throws IOException, InterruptedException {
        PROJECT.install();
        Path protoDir = DistributionServer.projectDir().resolve("src/main/proto");
        String out = PROJECT.run(List.of("node", "statuses.mjs", String.valueOf(port), apiKey, protoDir.toString()),
                Map.of(), RUN_TIMEOUT, "grpc-js statuses");
        return outcomes(out);
    }

    /** The outcome of each case, from the status scripts' output: one JSON object per line. */
    static Map<String, Outcome> outcomes(String out) {
        Map<String, Outcome> byCase = new LinkedHashMap<>();
        for (String line : out.lines().filter(l -> l.startsWith("{")).toList()) {
            JsonObject o = WsClient.parse(line);
            byCase.put(o.getString("case"), new Outcome(o.getInt("code"), o.getString("details")));
        }
        return byCase;
    }
}
