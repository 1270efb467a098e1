package dev.socketserver.it.container;

/** The WAR in the stock Tomcat 11 distribution with {@code deploy/tomcat/server.xml}. */
class TomcatDistributionIT extends DistributionSmokeTest {
    @Override
    DistributionServer newServer() {
        return new TomcatDistribution();
    }

    @Override
    String expectedWritePath() {
        return "Tomcat output buffer";
    }

    @Override
    boolean expectsTrimmedSessions() {
        return false;
    }

    @Override
    boolean publishesThreadPoolBeans() {
        return true;
    }
}
