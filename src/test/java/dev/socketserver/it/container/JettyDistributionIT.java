package dev.socketserver.it.container;

/** The WAR in the stock Jetty 12 distribution with a JETTY_BASE from {@code deploy/jetty/make-base.sh}. */
class JettyDistributionIT extends DistributionSmokeTest {
    @Override
    DistributionServer newServer() {
        return new JettyDistribution();
    }

    @Override
    String expectedWritePath() {
        return "Jetty core API";
    }

    @Override
    boolean expectsTrimmedSessions() {
        return true;
    }
}
