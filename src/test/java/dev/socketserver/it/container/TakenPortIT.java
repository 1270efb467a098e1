package dev.socketserver.it.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.HttpApi;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The harness's answer to a port taken between choosing and binding it (seen in CI: stock Jetty
 * exited with "Address already in use"): the port is taken here on purpose, before the start,
 * and the server must come up on other ports, in stock Jetty (which exits) and stock Tomcat
 * (which runs on without the connector).
 */
class TakenPortIT {

    @Test
    void stockJettyStartsAgainOnOtherPorts() throws Exception {
        startsDespiteATakenPort(JettyDistribution::new);
    }

    @Test
    void stockTomcatStartsAgainOnOtherPorts() throws Exception {
        startsDespiteATakenPort(TomcatDistribution::new);
    }

    private static void startsDespiteATakenPort(Supplier<DistributionServer> make) throws Exception {
        DistributionServer server = make.get();
        int taken = server.httpPort();
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken));
            server.start();
            assertNotEquals(taken, server.httpPort());
            assertEquals(200, HttpApi.get(server.httpPort(), "/health/live").status());
            assertTrue(Files.readString(server.log).contains("was taken; starting again on " + server.httpPort()));
        } finally {
            server.stop();
        }
    }
}
