package dev.socketserver.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.WsClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The dev launcher ({@code mvn -Pdev} runs {@code DevServer} in Maven's JVM) as its own process:
 * stopped by SIGTERM or SIGINT (Ctrl-C), it closes its connections with 1001, prints its
 * shutdown lines and ends with the signal's exit status, without a stack trace.
 */
class DevServerIT {
    private static final Pattern WS_URL = Pattern.compile("alice: ws://localhost:(\\d+)(/ws\\?t=\\S+)");
    private static final Pattern DEMO_URL = Pattern.compile("demo page \\(as alice\\): (http://localhost:\\d+/demo/\\S+)");
    private static final Pattern STACK_FRAME = Pattern.compile("^\\s+at [\\w.$/]+\\(.*\\)$");

    @ParameterizedTest
    @CsvSource({"TERM, 143", "INT, 130"})
    void stopsQuietlyOnSignal(String signal, int exitCode) throws Exception {
        // A JVM started with SIGINT ignored (a background job of a non-interactive shell) passes
        // that on to its children, which then cannot be interrupted at all: nothing to test then.
        assumeFalse(signal.equals("INT") && sigintIgnored(), "SIGINT is ignored by this test JVM");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dsocketserver.war=" + EmbeddedJetty.war().toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"), "dev.socketserver.DevServer");
        pb.environment().put("HTTP_PORT", "0");
        pb.environment().put("GRPC_PORT", "0");
        pb.redirectErrorStream(true);
        Process server = pb.start();
        BlockingQueue<String> output = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> copyLines(server, output), "dev-server-output");
        reader.start();
        List<String> lines = new ArrayList<>();
        try {
            Matcher url = null;
            Matcher demo = null;
            for (String line = next(output, lines); !line.contains("Ctrl-C stops it"); line = next(output, lines)) {
                Matcher m = WS_URL.matcher(line);
                if (m.find()) {
                    url = m;
                }
                Matcher d = DEMO_URL.matcher(line);
                if (d.find()) {
                    demo = d;
                }
            }
            assertNotNull(url, "a WebSocket URL for alice in " + lines);
            assertNotNull(demo, "the demo page's URL (DEMO_ENABLED is on in the dev profile) in " + lines);
            assertDemoPageServed(demo.group(1));
            int readyAt = lines.size();
            try (WsClient alice = WsClient.connect("ws://127.0.0.1:" + url.group(1) + url.group(2)).ready()) {
                Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(server.pid())).inheritIO().start();
                assertEquals(0, kill.waitFor());
                assertEquals(1001, alice.awaitClose());
            }
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server ends");
            reader.join(10_000);
            output.drainTo(lines);
            assertEquals(exitCode, server.exitValue(), String.join("\n", lines));
            List<String> afterSignal = lines.subList(readyAt, lines.size());
            assertEquals("socket-server (dev) stopped", afterSignal.get(afterSignal.size() - 1), afterSignal.toString());
            for (String line : lines) {
                assertFalse(STACK_FRAME.matcher(line).matches(), "a stack trace: " + line);
            }
            for (String line : afterSignal) {
                assertFalse(line.matches(".*(Exception|SEVERE|WARN|ERROR).*"), "a complaint on an ordinary stop: " + line);
            }
        } finally {
            server.destroyForcibly();
        }
    }

    /** The printed demo URL serves the page (the browser test, DemoPageIT, drives it). */
    private static void assertDemoPageServed(String url) throws Exception {
        HttpResponse<String> page = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url.replace("localhost", "127.0.0.1")))
                        .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode(), url);
        assertTrue(page.body().contains("<title>socket-server demo</title>"), page.body());
    }

    private static String next(BlockingQueue<String> output, List<String> lines) throws InterruptedException {
        String line = output.poll(120, TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("the dev server printed nothing more; so far: " + lines);
        }
        lines.add(line);
        return line;
    }

    private static void copyLines(Process p, BlockingQueue<String> into) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                into.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bit 2 (SIGINT) of this process's ignored-signals mask, on Linux; false where unknown. */
    private static boolean sigintIgnored() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0x2) != 0;
            }
        }
        return false;
    }
}
