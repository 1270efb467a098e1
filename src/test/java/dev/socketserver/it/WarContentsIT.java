package dev.socketserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.EmbeddedJetty;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The built WAR's {@code WEB-INF/lib} holds exactly the jars docs/DEPLOYING.md lists under "What
 * the WAR contains", each with what it is used for: a new dependency (or a transitive one a
 * version bump brings back, such as an annotation-only jar) fails here until it is either
 * excluded in {@code pom.xml} or given its reason in the table.
 */
class WarContentsIT {
    /** Artifact names (no version) expected in WEB-INF/lib; each must have a row in DEPLOYING.md. */
    static final Set<String> EXPECTED = new TreeSet<>(List.of(
            // gRPC in the servlet container
            "grpc-servlet-jakarta", "grpc-api", "grpc-core", "grpc-stub", "grpc-protobuf", "grpc-protobuf-lite",
            "perfmark-api", "grpc-services", "guava", "failureaccess",
            // messages and protobuf's JSON mapping
            "protobuf-java", "protobuf-java-util", "gson",
            // JSON-P and JSON-B
            "jakarta.json-api", "parsson", "jakarta.json.bind-api", "yasson",
            // CDI, tokens, metrics
            "weld-servlet-shaded", "nimbus-jose-jwt",
            "prometheus-metrics-core", "prometheus-metrics-model", "prometheus-metrics-config",
            "prometheus-metrics-exposition-textformats", "prometheus-metrics-instrumentation-jvm",
            // the Redis engine (BROKER=redis)
            "lettuce-core", "netty-buffer", "netty-codec-base", "netty-codec-dns", "netty-common", "netty-handler",
            "netty-resolver", "netty-resolver-dns", "netty-transport", "reactor-core", "reactive-streams",
            "slf4j-api"));

    /** {@code name-1.2.3.jar}, {@code name-1.2.3.Final.jar}, {@code guava-33.5.0-android.jar}: the name. */
    private static final Pattern JAR = Pattern.compile("WEB-INF/lib/(.+?)-\\d[^/]*\\.jar");

    @Test
    void webInfLibHoldsExactlyTheDocumentedJars() throws IOException {
        Set<String> found = new TreeSet<>();
        List<String> unreadable = new ArrayList<>();
        try (ZipFile war = new ZipFile(EmbeddedJetty.war().toFile())) {
            war.stream().map(ZipEntry::getName).filter(n -> n.startsWith("WEB-INF/lib/") && !n.endsWith("/"))
                    .forEach(n -> {
                        Matcher m = JAR.matcher(n);
                        if (m.matches()) {
                            found.add(m.group(1));
                        } else {
                            unreadable.add(n);
                        }
                    });
        }
        assertEquals(List.of(), unreadable, "WEB-INF/lib entries that are not name-version.jar");
        Set<String> unexpected = new TreeSet<>(found);
        unexpected.removeAll(EXPECTED);
        Set<String> missing = new TreeSet<>(EXPECTED);
        missing.removeAll(found);
        assertTrue(unexpected.isEmpty() && missing.isEmpty(), "WEB-INF/lib differs from the documented list: new "
                + unexpected + " (exclude it in pom.xml's packagingExcludes, or document why the server loads it in "
                + "docs/DEPLOYING.md and add it here), gone " + missing);
    }

    @Test
    void everyJarHasItsReasonInDeploying() throws IOException {
        Path deploying = EmbeddedJetty.war().toAbsolutePath().getParent().getParent().resolve("docs/DEPLOYING.md");
        String doc = Files.readString(deploying, StandardCharsets.UTF_8);
        int start = doc.indexOf("## What the WAR contains");
        assertTrue(start >= 0, "DEPLOYING.md has the section 'What the WAR contains'");
        int end = doc.indexOf("\n## ", start + 1);
        String section = doc.substring(start, end < 0 ? doc.length() : end);
        Set<String> listed = new TreeSet<>();
        // Table rows: "| `jar`, `jar` | reason |" with a reason that is not empty.
        for (String row : section.lines().filter(l -> l.startsWith("| `")).toList()) {
            String[] cells = row.split("\\|");
            assertTrue(cells.length >= 3 && !cells[2].isBlank(), "a row without its reason: " + row);
            Matcher m = Pattern.compile("`([^`]+)`").matcher(cells[1]);
            while (m.find()) {
                listed.add(m.group(1));
            }
        }
        assertEquals(EXPECTED, listed, "the jars in DEPLOYING.md's table ('What the WAR contains')");
    }
}
