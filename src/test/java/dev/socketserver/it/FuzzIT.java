package dev.socketserver.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.RawWebSocket;
import dev.socketserver.testing.Tokens;
import dev.socketserver.testing.WsClient;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Issue 3 fuzzing: at least 10,000 generated hostile frames over many connections. Every frame
 * must be answered by a documented error frame (or an ok reply when the generator happened to
 * make a valid command) or a documented close code; an honest subscriber loses nothing; the
 * server stays up and its memory returns to the baseline. The generator is seeded (printed on
 * failure) so any failure replays exactly.
 */
class FuzzIT {
    static final int WORKERS = 40;
    static final int FRAMES_PER_WORKER = 260;
    static final Set<String> ERROR_CODES = Set.of("bad_request", "unauthorized", "forbidden", "not_found",
            "limit_exceeded", "too_many_requests", "token_expired", "internal");
    /** Close codes the README documents for hostile input. */
    static final Set<Integer> CLOSE_CODES = Set.of(1002, 1007, 1009, 4004, 4502);

    @Test
    void tenThousandHostileFrames() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        Map<String, String> settings = EmbeddedJetty.defaults();
        settings.put("CLIENT_COMMAND_RATE", "1000000");
        settings.put("CLIENT_COMMAND_BURST", "1000000");
        try (EmbeddedJetty server = EmbeddedJetty.start(settings);
             GrpcClient grpc = new GrpcClient(server.port());
             WsClient honest = WsClient.connect(server.wsUrl(Tokens.forUser("honest")))) {
            honest.enter("fuzz-honest");
            long baseline = usedHeapAfterGc();
            long started = System.nanoTime();

            ExecutorService pool = Executors.newFixedThreadPool(WORKERS + 1);
            AtomicInteger frames = new AtomicInteger();
            Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
            List<Future<?>> work = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                long workerSeed = seed + w;
                work.add(pool.submit(() -> {
                    fuzzWorker(server.port(), new Random(workerSeed), frames, outcomes);
                    return null;
                }));
            }
            int published = 300;
            Future<?> publisher = pool.submit(() -> {
                for (int i = 0; i < published; i++) {
                    grpc.stub().withDeadlineAfter(60, TimeUnit.SECONDS).notifyRoom(MessageWithRoom.newBuilder()
                            .setBase(GrpcClient.info("seq-" + i, "x")).setRoom("fuzz-honest").build());
                }
                return null;
            });
            for (Future<?> f : work) {
                try {
                    f.get(5, TimeUnit.MINUTES);
                } catch (Exception e) {
                    throw new AssertionError("fuzz seed " + seed + " (run with -Dfuzz.seed=" + seed + ")", e);
                }
            }
            publisher.get(2, TimeUnit.MINUTES);
            pool.shutdown();
            System.out.println("fuzz: " + frames.get() + " frames in " + (System.nanoTime() - started) / 1_000_000 + " ms");

            assertTrue(frames.get() >= 10_000, "sent " + frames.get());
            for (int i = 0; i < published; i++) {
                JsonObject n = honest.nextJson();
                assertEquals("seq-" + i, n.getString("entityId"), "honest subscriber lost or reordered");
            }
            // Still up: a fresh client and a publish work.
            try (WsClient after = WsClient.connect(server.wsUrl(Tokens.forUser("after"))).ready()) {
                grpc.stub().broadcast(GrpcClient.info("after-fuzz", "ok"));
                assertEquals("after-fuzz", after.nextJson().getString("entityId"));
            }
            long limit = baseline + 64L * 1024 * 1024;
            await().atMost(Duration.ofSeconds(30)).until(() -> usedHeapAfterGc() < limit);
            System.out.println("fuzz seed " + seed + ": " + frames.get() + " frames, outcomes " + outcomes);
        }
    }

    private static void fuzzWorker(int port, Random rnd, AtomicInteger frames,
                                   Map<String, AtomicInteger> outcomes) throws IOException {
        RawWebSocket ws = open(port, rnd);
        try {
            for (int i = 0; i < FRAMES_PER_WORKER; i++) {
                Hostile h = generate(rnd);
                frames.incrementAndGet();
                String outcome;
                try {
                    ws.send(h.opcode, h.payload, true);
                    outcome = awaitOutcome(ws, h);
                } catch (IOException e) {
                    // The server may close (1009) while a too-big frame is still being written;
                    // its close frame can still be read, else the reset is that close.
                    assertTrue(h.kind().startsWith("oversized"), "socket failed after " + h.describe() + ": " + e);
                    outcome = "close 1009 (mid-frame)";
                }
                outcomes.computeIfAbsent(h.kind() + "=>" + outcome, k -> new AtomicInteger()).incrementAndGet();
                if (outcome.startsWith("close")) {
                    ws.close();
                    ws = open(port, rnd);
                }
            }
        } finally {
            ws.close();
        }
    }

    private static RawWebSocket open(int port, Random rnd) throws IOException {
        RawWebSocket ws = RawWebSocket.connect(port, "/ws?t=" + Tokens.forUser("fuzz-" + rnd.nextInt(1000)), Map.of());
        assertEquals(101, ws.status());
        return ws;
    }

    /** The server's answer to one hostile frame, checked against the documented set. */
    private static String awaitOutcome(RawWebSocket ws, Hostile h) throws IOException {
        while (true) {
            RawWebSocket.Frame f = ws.read(Duration.ofSeconds(10));
            if (f == null) {
                throw new AssertionError("no answer to " + h.describe());
            }
            if (f.opcode() == RawWebSocket.PING || f.opcode() == RawWebSocket.PONG) {
                continue;
            }
            if (f.opcode() == RawWebSocket.CLOSE) {
                assertTrue(CLOSE_CODES.contains(f.closeCode()), "close " + f.closeCode() + " after " + h.describe());
                return "close " + f.closeCode();
            }
            assertEquals(RawWebSocket.TEXT, f.opcode(), "unexpected opcode after " + h.describe());
            assertEchoesId(h, f.text());
            JsonObject reply = WsClient.parse(f.text());
            if (reply.containsKey("error")) {
                String code = reply.getJsonObject("error").getString("code");
                String message = reply.getJsonObject("error").getString("message");
                assertTrue(!HostileTrafficIT.CLASS_NAME.matcher(message).find() && !message.contains("Exception"),
                        "library text in " + message + " after " + h.describe());
                assertTrue(ERROR_CODES.contains(code), code + " after " + h.describe());
                return code;
            }
            assertTrue(reply.getBoolean("ok", false), f.text() + " after " + h.describe());
            return "ok";
        }
    }

    /** Replies put the id first, as written in the command: checked on the raw text. */
    private static void assertEchoesId(Hostile h, String reply) {
        if (ANY_ID.equals(h.id())) {
            return;
        }
        if (h.id() == null) {
            assertTrue(!reply.startsWith("{\"id\":"), reply + " after " + h.describe());
        } else {
            assertTrue(reply.startsWith("{\"id\":" + h.id() + ","), reply + " after " + h.describe());
        }
    }

    /** For frames whose answer's id is not predictable. */
    static final String ANY_ID = "?";

    /**
     * @param id the id the answer must carry, as written; {@code null} for none, {@link #ANY_ID}
     *           when the generator cannot tell
     */
    record Hostile(String kind, int opcode, byte[] payload, String id) {
        String describe() {
            String p = new String(payload, 0, Math.min(payload.length, 120), StandardCharsets.ISO_8859_1);
            return kind + " (" + payload.length + " bytes: " + p + ")";
        }
    }

    private static final List<Function<Random, Hostile>> GENERATORS = List.of(
            FuzzIT::randomBytes, FuzzIT::binary, FuzzIT::deepNesting, FuzzIT::hugeNumber,
            FuzzIT::hugeString, FuzzIT::wrongTypes, FuzzIT::unknownFields, FuzzIT::oversized,
            FuzzIT::controlChars, FuzzIT::loneSurrogate, FuzzIT::truncatedJson);

    static Hostile generate(Random rnd) {
        // Oversized frames and invalid UTF-8 cost a reconnect each: keep them rarer.
        int pick = rnd.nextInt(GENERATORS.size() * 4);
        return GENERATORS.get(pick < GENERATORS.size() ? pick : pick % (GENERATORS.size() - 1) + 1).apply(rnd);
    }

    static Hostile randomBytes(Random rnd) {
        byte[] b = new byte[1 + rnd.nextInt(300)];
        rnd.nextBytes(b);
        if (b.length == 1 && b[0] == '0') {
            b[0] = '1'; // "0" is the keep-alive, which is silently ignored by design
        }
        return new Hostile(isUtf8(b) ? "random-utf8" : "invalid-utf8", RawWebSocket.TEXT, b, ANY_ID);
    }

    static Hostile binary(Random rnd) {
        byte[] b = new byte[rnd.nextInt(2000)];
        rnd.nextBytes(b);
        return new Hostile("binary", RawWebSocket.BINARY, b, null);
    }

    static Hostile deepNesting(Random rnd) {
        int depth = 500 + rnd.nextInt(30_000);
        String open = rnd.nextBoolean() ? "[" : "{\"a\":";
        StringBuilder sb = new StringBuilder("{\"id\":1,\"action\":\"enter\",\"room\":");
        sb.append(open.repeat(depth));
        return text("deep-nesting", sb.toString(), "1");
    }

    static Hostile hugeNumber(Random rnd) {
        String[] numbers = {"1e999999999", "-1e-999999999", "9".repeat(5000), "1" + "0".repeat(60000 / 2),
                "123456789012345678901234567890", "NaN", "Infinity", "0x10", "1.5e+308"};
        String n = numbers[rnd.nextInt(numbers.length)];
        String[] shapes = {"{\"id\":%s,\"action\":\"ping\"}", "{\"action\":\"enter\",\"room\":%s}",
                "{\"action\":%s}", "%s"};
        int shape = rnd.nextInt(shapes.length);
        return text("huge-number", String.format(shapes[shape], n), shape == 0 ? idAsWritten(n) : null);
    }

    static Hostile hugeString(Random rnd) {
        String s = "x".repeat(256 + rnd.nextInt(60_000));
        String[] shapes = {"{\"id\":2,\"action\":\"enter\",\"room\":\"%s\"}", "{\"id\":\"%s\",\"action\":\"ping\"}",
                "{\"id\":3,\"action\":\"%s\"}", "{\"id\":4,\"action\":\"refresh\",\"token\":\"%s\"}"};
        int shape = rnd.nextInt(shapes.length);
        return text("huge-string", String.format(shapes[shape], s), new String[] {"2", null, "3", "4"}[shape]);
    }

    static Hostile wrongTypes(Random rnd) {
        String[] values = {"1", "true", "null", "[]", "{}", "[\"enter\"]", "{\"x\":1}", "\"\"", "-0.0"};
        String v = values[rnd.nextInt(values.length)];
        String[] shapes = {"{\"id\":5,\"action\":%s}", "{\"id\":6,\"action\":\"enter\",\"room\":%s}",
                "{\"id\":%s,\"action\":\"enter\"}", "{\"id\":7,\"action\":\"leave\",\"room\":%s}",
                "{\"id\":8,\"action\":\"refresh\",\"token\":%s}", "%s"};
        int shape = rnd.nextInt(shapes.length);
        return text("wrong-type", String.format(shapes[shape], v),
                new String[] {"5", "6", idAsWritten(v), "7", "8", null}[shape]);
    }

    static Hostile unknownFields(Random rnd) {
        String[] shapes = {"{\"id\":9,\"action\":\"ping\",\"zzz\":[1,2,{\"q\":null}]}",
                "{\"id\":10,\"action\":\"enter\",\"room\":\"fz-%d\",\"since\":\"yesterday\",\"extra\":true}",
                "{\"id\":11,\"action\":\"leave\",\"room\":\"fz-%d\",\"__proto__\":{}}",
                "{\"id\":12,\"Action\":\"enter\",\"room\":\"fz-%d\"}"};
        int shape = rnd.nextInt(shapes.length);
        return text("unknown-fields", String.format(shapes[shape], rnd.nextInt(100)), Integer.toString(9 + shape));
    }

    static Hostile oversized(Random rnd) {
        byte[] b = new byte[64 * 1024 + 1 + rnd.nextInt(100_000)];
        java.util.Arrays.fill(b, (byte) 'a');
        return new Hostile("oversized", rnd.nextBoolean() ? RawWebSocket.TEXT : RawWebSocket.BINARY, b, ANY_ID);
    }

    static Hostile controlChars(Random rnd) {
        char c = (char) rnd.nextInt(0x20);
        return text("control-char", String.format("{\"id\":13,\"action\":\"enter\",\"room\":\"a\\u%04xb\"}", (int) c), "13");
    }

    static Hostile loneSurrogate(Random rnd) {
        return text("lone-surrogate", "{\"id\":14,\"action\":\"enter\",\"room\":\"\\ud800x\"}", "14");
    }

    static Hostile truncatedJson(Random rnd) {
        String full = "{\"id\":15,\"action\":\"enter\",\"room\":\"truncated\"}";
        String cut = full.substring(0, 1 + rnd.nextInt(full.length() - 2));
        // The id is readable once it is followed by its comma.
        return text("truncated", cut, cut.startsWith("{\"id\":15,") ? "15" : null);
    }

    /** A JSON number or string of at most 64 characters is echoed as written; anything else is no id. */
    private static String idAsWritten(String value) {
        boolean number = value.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
        boolean string = value.matches("\"[^\"\\\\]*\"");
        return (number && value.length() <= 64) || (string && value.length() <= 66) ? value : null;
    }

    private static Hostile text(String kind, String s, String id) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        boolean oversized = b.length > 64 * 1024;
        return new Hostile(oversized ? "oversized-" + kind : kind, RawWebSocket.TEXT, b, oversized ? ANY_ID : id);
    }

    private static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}
