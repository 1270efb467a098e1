package dev.socketserver.it.cluster;

import dev.socketserver.it.container.DistributionServer;
import dev.socketserver.it.container.EmbeddedJettyProcess;
import dev.socketserver.it.container.JettyDistribution;
import dev.socketserver.it.container.TomcatDistribution;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Three nodes on one Redis: stock Tomcat ({@code NODE_ID=tomcat}), stock Jetty ({@code jetty})
 * and embedded Jetty in its own JVM ({@code embedded}), started at once. Every node gets the
 * same settings ({@code BROKER=redis}, the Redis addresses, a fresh {@code REDIS_PREFIX}) and a
 * gRPC client of its own.
 */
final class Cluster implements AutoCloseable {
    static final List<String> IDS = List.of("tomcat", "jetty", "embedded");

    final String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<DistributionServer> nodes = new ArrayList<>();
    private final List<GrpcClient> grpc = new ArrayList<>();

    /** Starts the three nodes with {@code settings} (besides the broker's) and waits for them. */
    static Cluster start(String redisAddress, Map<String, String> settings) {
        Cluster c = new Cluster();
        Map<String, String> all = new LinkedHashMap<>(settings);
        all.put("BROKER", "redis");
        all.put("REDIS_ADDRESSES", redisAddress);
        all.put("REDIS_PREFIX", c.prefix);
        List<Supplier<DistributionServer>> kinds = List.of(TomcatDistribution::new, JettyDistribution::new,
                EmbeddedJettyProcess::new);
        List<CompletableFuture<DistributionServer>> starting = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            DistributionServer s = kinds.get(i).get();
            all.forEach(s::withSetting);
            s.withSetting("NODE_ID", IDS.get(i));
            // Three servers deploying at once on a small shared machine take longer than one.
            s.withReadyTimeout(Duration.ofMinutes(5));
            c.nodes.add(s);
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return s.start();
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }));
        }
        try {
            CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            c.close();
            throw e;
        }
        for (DistributionServer s : c.nodes) {
            c.grpc.add(new GrpcClient(s.httpPort()));
        }
        return c;
    }

    DistributionServer node(int i) {
        return nodes.get(i);
    }

    int size() {
        return nodes.size();
    }

    GrpcClient grpc(int node) {
        return grpc.get(node);
    }

    /** A registered WebSocket connection of {@code user} on {@code node}. */
    WsClient connect(int node, String user) {
        return WsClient.connect(nodes.get(node).wsUrl(Tokens.forUser(user))).ready();
    }

    WsClient connect(int node, String user, String query) {
        return WsClient.connect(nodes.get(node).wsUrl(Tokens.forUser(user)) + query).ready();
    }

    @Override
    public void close() {
        for (GrpcClient g : grpc) {
            try {
                g.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (DistributionServer s : nodes) {
            try {
                s.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
