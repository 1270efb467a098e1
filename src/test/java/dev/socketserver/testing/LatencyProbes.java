package dev.socketserver.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.socketserver.transport.grpc.proto.InfoRequest;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * What a server under attack must keep doing at its normal speed (issue 12): an authenticated
 * API call, a gRPC call, a WebSocket handshake with an {@code enter}, and a delivery to an open
 * connection. Each is timed over a few rounds without the attack (the baseline) and with it; a
 * probe passes when its slowest time under attack is within {@code factor x} its slowest
 * baseline time plus {@code slack}, generous margins for a shared machine.
 */
public final class LatencyProbes {
    private final Map<String, Callable<Boolean>> probes = new LinkedHashMap<>();

    /**
     * The four probes against a server on {@code port}; {@code reader} is in {@code room} and
     * receives the deliveries; {@code wsUrl} makes a handshake URL for a token.
     */
    public static LatencyProbes standard(int port, GrpcClient grpc, Function<String, String> wsUrl, WsClient reader, String room) {
        LatencyProbes p = new LatencyProbes();
        p.probes.put("API call", () -> HttpApi.post(port, "Info", "{}").status() == 200);
        p.probes.put("gRPC Info", () -> !grpc.stub().info(InfoRequest.getDefaultInstance()).getNodeId().isEmpty());
        p.probes.put("WebSocket handshake", () -> {
            try (WsClient c = WsClient.connect(wsUrl.apply(Tokens.forUser("probe")))) {
                return c.enter("probe").getBoolean("ok");
            }
        });
        int[] seq = {0};
        p.probes.put("delivery", () -> {
            String entity = "delivery-" + seq[0]++;
            grpc.stub().publish(PublishRequest.newBuilder().setRoom(room).setMessage(GrpcClient.info(entity, "x")).build());
            return entity.equals(reader.nextJson(o -> o.containsKey("entityId")).getString("entityId"));
        });
        return p;
    }

    /** Runs every probe {@code rounds} times (each must succeed); the slowest time of each, in seconds. */
    public Map<String, Double> rounds(int rounds) {
        Map<String, Double> slowest = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Callable<Boolean>> p : probes.entrySet()) {
                long start = System.nanoTime();
                try {
                    assertTrue(p.getValue().call(), p.getKey() + " failed");
                } catch (Exception e) {
                    fail(p.getKey() + " failed after " + (System.nanoTime() - start) / 1e9 + " s: " + e, e);
                }
                slowest.merge(p.getKey(), (System.nanoTime() - start) / 1e9, Math::max);
            }
        }
        return slowest;
    }

    /** Fails when a probe's slowest time {@code loaded} exceeds {@code factor x baseline + slack}. */
    public static void assertKeptLatency(Map<String, Double> baseline, Map<String, Double> loaded, double factor, Duration slack,
                                         String context) {
        System.out.printf("%s: slowest probes without %s, with %s (s)%n", context, baseline, loaded);
        for (String probe : baseline.keySet()) {
            double limit = factor * baseline.get(probe) + slack.toMillis() / 1000.0;
            assertTrue(loaded.get(probe) <= limit, String.format("%s, %s: slowest %.3f s, without the load %.3f s (limit %.3f s)",
                    context, probe, loaded.get(probe), baseline.get(probe), limit));
        }
    }
}
