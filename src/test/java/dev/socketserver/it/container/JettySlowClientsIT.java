package dev.socketserver.it.container;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** {@link SlowClientsDistributionTest} in the stock Jetty 12 distribution with a base from {@code deploy/jetty/make-base.sh}. */
class JettySlowClientsIT extends SlowClientsDistributionTest {
    @Override
    DistributionServer newContainer() {
        return new JettyDistribution();
    }

    /**
     * The {@code threadpool} module's maximum: {@code jetty.threadPool.maxThreads} where the base
     * sets it (start.d), else the default in the distribution's {@code etc/jetty-threadpool.xml}
     * (200). The base runs without the {@code jmx} module, so the server does not report it.
     */
    @Override
    int workerThreads() throws Exception {
        try (Stream<Path> ini = Files.list(server.dir.resolve("base/start.d"))) {
            for (Path p : ini.toList()) {
                Matcher set = Pattern.compile("(?m)^\\s*jetty\\.threadPool\\.maxThreads\\s*=\\s*(\\d+)").matcher(Files.readString(p));
                if (set.find()) {
                    return Integer.parseInt(set.group(1));
                }
            }
        }
        String xml = Files.readString(DistributionServer.distribution("jetty-home-").resolve("etc/jetty-threadpool.xml"));
        Matcher d = Pattern.compile("name=\"jetty\\.threadPool\\.maxThreads\"[^>]*default=\"(\\d+)\"").matcher(xml);
        if (!d.find()) {
            throw new AssertionError("no maxThreads default in jetty-threadpool.xml");
        }
        return Integer.parseInt(d.group(1));
    }
}
