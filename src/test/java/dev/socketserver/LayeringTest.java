package dev.socketserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Layers point one way (issue 11; written in {@code config/package-info.java} and the README's
 * Architecture section): every package of {@code src/main/java} has a layer, and imports
 * (or names in code) only packages of lower layers; {@code config} imports no other package of
 * the project; the core (every layer below the transports) names no {@code jakarta.*} and no
 * {@code io.grpc.*}. Comments are not read, so a Javadoc link to a higher layer is allowed.
 */
class LayeringTest {
    /** Lowest first. A package may depend only on packages of a lower layer (not its own). */
    static final List<List<String>> LAYERS = List.of(
            List.of("error", "config"),                                // import nothing of the project
            List.of("stats", "message", "auth", "presence"),           // model, counters, identity, presence seam
            List.of("hub", "broker", "presence.memory", "redis"),      // this node's index, broker seam, engines' base
            List.of("broker.memory", "presence.redis"),
            List.of("broker.redis"),
            List.of("node"),                                           // the facade over all of the above
            List.of("metrics"),                                        // reads node and hub counters
            List.of("transport.grpc.proto", "transport.grpc.proto.alias"), // generated protobuf and gRPC types
            List.of("transport.api"),                                  // the backend API over Node
            List.of("transport.grpc", "transport.http", "transport.demo"),
            List.of("transport.websocket"),                            // uses transport.http's error bodies
            List.of("bootstrap"));                                     // wires everything
    /** The first layer that may use the container's or gRPC's APIs: everything below is the core. */
    static final String FIRST_EDGE = "transport.grpc.proto";

    private static final Pattern PROJECT_NAME = Pattern.compile("\\bdev\\.socketserver\\.((?:[a-z][a-z0-9_]*\\.)*[a-z][a-z0-9_]*)\\.[A-Z]");
    private static final Pattern EDGE_API = Pattern.compile("\\b(jakarta|io\\.grpc)\\.[a-z]");
    private static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);
    private static final Pattern STRINGS = Pattern.compile("\"(?:\\\\.|[^\"\\\\\\n])*\"");

    static int layerOf(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        return -1;
    }

    /** The code of a source file without comments and string literals. */
    static String code(String source) {
        return COMMENTS.matcher(STRINGS.matcher(source).replaceAll("\"\"")).replaceAll(" ");
    }

    /** Project packages a source file names (imports or qualified names), its own excluded. */
    static Set<String> projectPackages(String pkg, String source) {
        Set<String> used = new TreeSet<>();
        Matcher m = PROJECT_NAME.matcher(code(source));
        while (m.find()) {
            if (!m.group(1).equals(pkg)) {
                used.add(m.group(1));
            }
        }
        used.remove(pkg);
        return used;
    }

    /** The violations of the rules above in one file of package {@code pkg}. */
    static List<String> violations(String pkg, String file, String source) {
        List<String> found = new ArrayList<>();
        int layer = layerOf(pkg);
        if (layer < 0) {
            found.add(file + ": package " + pkg + " has no layer in LayeringTest.LAYERS");
            return found;
        }
        for (String used : projectPackages(pkg, source)) {
            int usedLayer = layerOf(used);
            if (usedLayer < 0 || usedLayer >= layer) {
                found.add(file + ": " + pkg + " (layer " + layer + ") uses " + used + " (layer " + usedLayer + ")");
            }
        }
        if (layer < layerOf(FIRST_EDGE)) {
            Matcher m = EDGE_API.matcher(code(source));
            if (m.find()) {
                found.add(file + ": the core package " + pkg + " names " + m.group(1) + ".*");
            }
        }
        return found;
    }

    @Test
    void everyMainPackageHasALayerAndUsesOnlyLowerOnesAndTheCoreNoContainerOrGrpc() throws IOException {
        Path root = Path.of("src/main/java");
        assertTrue(Files.isDirectory(root.resolve("dev/socketserver/config")), "run from the project directory: " + root.toAbsolutePath());
        Map<String, Integer> files = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        try (Stream<Path> sources = Files.walk(root)) {
            sources.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
                String pkg = root.relativize(p.getParent()).toString().replace('/', '.').replace('\\', '.');
                if (!pkg.startsWith("dev.socketserver.")) {
                    violations.add(p + ": outside dev.socketserver");
                    return;
                }
                pkg = pkg.substring("dev.socketserver.".length());
                files.merge(pkg, 1, Integer::sum);
                try {
                    violations.addAll(violations(pkg, root.relativize(p).toString(), Files.readString(p)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        assertTrue(files.containsKey("config") && files.containsKey("node") && files.size() > 15, "scanned " + files);
        assertEquals(List.of(), violations);
    }

    @Test
    void theScanSeesImportsAndQualifiedNamesButNotCommentsOrStrings() {
        String config = """
                package dev.socketserver.config;
                import dev.socketserver.node.HistoryPolicy;
                /** See {@link dev.socketserver.hub.Hub}. */
                class A { String s = "dev.socketserver.bootstrap.X"; // dev.socketserver.metrics.M
                  Object o = new dev.socketserver.error.ServerException(null, ""); }
                """;
        assertEquals(Set.of("node", "error"), projectPackages("config", config));
        List<String> v = violations("config", "A.java", config);
        assertEquals(2, v.size(), v.toString()); // node is higher, error is in the same layer
        assertTrue(v.get(0).contains("uses error") || v.get(1).contains("uses error"), v.toString());

        String core = "package dev.socketserver.hub;\nimport jakarta.websocket.Session;\nclass B {}\n";
        assertEquals(1, violations("hub", "B.java", core).size());
        assertEquals(List.of(), violations("transport.websocket", "B.java", core.replace("package dev.socketserver.hub", "package x")));
        assertEquals(1, violations("newpackage", "C.java", "class C {}").size(), "a package without a layer");
    }
}
