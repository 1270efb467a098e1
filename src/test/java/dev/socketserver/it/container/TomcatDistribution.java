package dev.socketserver.it.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * The stock Tomcat 11 distribution: a fresh CATALINA_BASE (the distribution's conf/ with
 * {@code deploy/tomcat/server.xml}, the WAR as webapps/ROOT.war), run with
 * {@code catalina.sh run} and the ports passed as {@code -Dhttp.port} / {@code -Dgrpc.port}.
 */
public final class TomcatDistribution extends DistributionServer {
    private Path home;
    private Path base;

    public TomcatDistribution() {
        super("tomcat");
    }

    @Override
    protected void prepare() throws IOException {
        home = distribution("apache-tomcat-");
        base = dir.resolve("base");
        for (String d : new String[] {"conf", "logs", "temp", "webapps", "work"}) {
            Files.createDirectories(base.resolve(d));
        }
        try (var conf = Files.list(home.resolve("conf"))) {
            for (Path f : conf.filter(Files::isRegularFile).toList()) {
                Files.copy(f, base.resolve("conf").resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.copy(projectDir().resolve("deploy/tomcat/server.xml"), base.resolve("conf/server.xml"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.copy(war(), base.resolve("webapps/ROOT.war"));
    }

    @Override
    protected ProcessBuilder command() {
        ProcessBuilder pb = new ProcessBuilder("bash", home.resolve("bin/catalina.sh").toString(), "run");
        pb.directory(base.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.remove("JRE_HOME");
        env.put("CATALINA_HOME", home.toString());
        env.put("CATALINA_BASE", base.toString());
        env.remove("CATALINA_PID");
        env.put("JAVA_OPTS", "-Xmx512m");
        env.put("CATALINA_OPTS", "-Dhttp.port=" + httpPort + " -Dgrpc.port=" + secondPort);
        return pb;
    }
}
