package dev.socketserver.it.container;

/**
 * The Jetty distribution's cases on the portable write path: {@code WS_WRITE_PATH=portable}
 * turns the Jetty 12.1 shortcuts off (no core-API writes, no idle-session trims, no CDI
 * decoration skip), and everything must work the same through the Jakarta API alone. It also
 * runs with {@code HEAP_GIVE_BACK=true}: the log line and the three G1 flags set in the
 * container's JVM.
 */
class JettyPortableDistributionIT extends DistributionSmokeTest {
    @Override
    DistributionServer newServer() {
        // Also the one stock-container run with HEAP_GIVE_BACK=true (the others check it stays off).
        return new JettyDistribution().withSetting("WS_WRITE_PATH", "portable").withSetting("HEAP_GIVE_BACK", "true");
    }

    @Override
    boolean heapGiveBack() {
        return true;
    }

    @Override
    String expectedWritePath() {
        return "Jakarta API (one async send per frame) on "
                + "org.eclipse.jetty.ee10.websocket.jakarta.common.JakartaWebSocketSession (WS_WRITE_PATH=portable)";
    }

    @Override
    boolean expectsTrimmedSessions() {
        return false;
    }
}
