package dev.socketserver.it.container;

/**
 * The Jetty distribution's cases on the portable write path: {@code WS_WRITE_PATH=portable}
 * turns the Jetty 12.1 shortcuts off (no core-API writes, no idle-session trims, no CDI
 * decoration skip), and everything must work the same through the Jakarta API alone.
 */
class JettyPortableDistributionIT extends DistributionSmokeTest {
    @Override
    DistributionServer newServer() {
        return new JettyDistribution().withSetting("WS_WRITE_PATH", "portable");
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
