package dev.socketserver.it.container;

import dev.socketserver.testing.GrpcClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A test class that runs against one stock container started once for the whole class (starting
 * one takes seconds): the server and a gRPC client on its one port, stopped in any case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StockContainerTest {
    DistributionServer server;
    GrpcClient grpc;

    /** A new, not yet started server. */
    abstract DistributionServer newServer();

    @BeforeAll
    void startServer() throws Exception {
        server = newServer();
        try {
            server.start();
        } catch (RuntimeException | Error e) {
            server.stop();
            throw e;
        }
        grpc = new GrpcClient(server.httpPort());
    }

    @AfterAll
    void stopServer() throws Exception {
        try {
            if (grpc != null) {
                grpc.close();
            }
        } finally {
            if (server != null) {
                server.stop();
            }
        }
    }
}
