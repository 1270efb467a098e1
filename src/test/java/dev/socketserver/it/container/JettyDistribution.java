package dev.socketserver.it.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The stock Jetty 12 distribution: a fresh JETTY_BASE made by {@code deploy/jetty/make-base.sh}
 * (modules, start.d/socket-server.ini, the second connector, webapps/ROOT.war), run with
 * {@code java -jar start.jar jetty.http.port=N socketserver.grpc.port=M}.
 */
public final class JettyDistribution extends DistributionServer {
    private Path home;
    private Path base;

    public JettyDistribution() {
        super("jetty");
    }

    @Override
    protected void prepare() throws IOException, InterruptedException {
        home = distribution("jetty-home-");
        base = dir.resolve("base");
        Path setupLog = dir.resolve("make-base.log");
        ProcessBuilder pb = new ProcessBuilder("bash", projectDir().resolve("deploy/jetty/make-base.sh").toString(),
                home.toString(), base.toString(), war().toString());
        pb.environment().put("JAVA", java());
        pb.redirectErrorStream(true);
        pb.redirectOutput(setupLog.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("make-base.sh did not finish in 60 s; see " + setupLog);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("make-base.sh failed (" + p.exitValue() + "):\n" + Files.readString(setupLog));
        }
        Files.createDirectories(dir.resolve("tmp"));
    }

    @Override
    protected ProcessBuilder command() {
        ProcessBuilder pb = new ProcessBuilder(java(), "-Xmx512m", "-Djava.io.tmpdir=" + dir.resolve("tmp"),
                "-jar", home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base,
                "jetty.http.port=" + httpPort, "socketserver.grpc.port=" + secondPort);
        pb.directory(base.toFile());
        return pb;
    }
}
