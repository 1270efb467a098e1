package dev.socketserver.it.container;

import dev.socketserver.testing.MetricsScrape;

/** {@link SlowClientsDistributionTest} in the stock Tomcat 11 distribution with {@code deploy/tomcat/server.xml}. */
class TomcatSlowClientsIT extends SlowClientsDistributionTest {
    @Override
    DistributionServer newContainer() {
        return new TomcatDistribution();
    }

    /** The request pool's maximum as the server reports it ({@code /metrics}, from Tomcat's JMX bean): 200 by default. */
    @Override
    int workerThreads() {
        MetricsScrape m = MetricsScrape.get(server.httpPort());
        return m.samples().entrySet().stream()
                .filter(e -> e.getKey().startsWith("socketserver_container_pool_max_threads{"))
                .mapToInt(e -> e.getValue().intValue()).max()
                .orElseThrow(() -> new AssertionError("no container pool in:\n" + m.body()));
    }
}
