package dev.socketserver.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import dev.socketserver.testing.EmbeddedJetty;
import dev.socketserver.testing.GrpcClient;
import dev.socketserver.testing.Tokens;
import dev.socketserver.transport.grpc.proto.InfoRequest;
import dev.socketserver.transport.grpc.proto.Message;
import dev.socketserver.transport.grpc.proto.MessageType;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.PresenceRequest;
import dev.socketserver.transport.grpc.proto.PresenceStatsRequest;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReaderFactory;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's proof through the real WAR: 200 clients enter and leave overlapping rooms (with
 * {@code since} when they know a position), some stop reading and are closed as slow consumers
 * and come back recovering, while 4 publishers publish to the rooms with and without
 * idempotency keys and presence events are on, for a bounded time. One publisher feeds a
 * "heavy" room with large notifications; a slow client joins it while it stops reading (and
 * leaves it when it reads again), so it overflows its queue within seconds. Then: no deadlocked thread,
 * no ghost presence, every client still receives in every room it is in, and every client's
 * offsets per room went up by exactly one at a time, except across a gap the server reported
 * (recovered:false, or a close code in 4000-4499).
 */
class DeliveryStressIT {
    private static final int CLIENTS = 200;
    private static final int SLOW_EVERY = 10;
    private static final int MAX_ROOMS = 4;
    private static final List<String> ROOMS = List.of("s-0", "s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "heavy");
    private static final Duration CHURN = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final JsonReaderFactory JSON = Json.createReaderFactory(Map.of());
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final String SMALL = "x".repeat(100);
    private static final String HEAVY = "h".repeat(32 * 1024);

    /** Everything wrong seen anywhere: the test fails with the first ones. */
    private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    private final Map<Integer, AtomicInteger> closeCodes = new ConcurrentHashMap<>();
    private final AtomicInteger recoveredTrue = new AtomicInteger();
    private final AtomicInteger recoveredFalse = new AtomicInteger();
    private final AtomicInteger enters = new AtomicInteger();
    private final AtomicInteger leaves = new AtomicInteger();
    private final AtomicLong notifications = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private String url;
    private volatile boolean publishing = true;

    private void violation(String what) {
        if (violations.size() < 50) {
            violations.add(what);
        }
    }

    private record Position(long offset, String epoch) {
    }

    /** What one client knows of one room. */
    private static final class Track {
        /** The last position seen; kept across leaves and reconnects, for {@code since}. */
        Position last;
        /** The client wants to be in the room (re-entered after a reconnect). */
        boolean member;
        /** Entered on this connection (frames may arrive). */
        boolean entered;
        /** An enter or leave without its reply yet. */
        String pendingId;
        /** The since of a pending enter; its frames are held in {@link #buffered} until the reply. */
        Position since;
        List<Position> buffered;
        final Set<String> markers = new HashSet<>();
    }

    /** One simulated user: one connection at a time, reconnecting after a close. */
    private final class StressClient {
        final String user;
        final boolean slow;
        final Map<String, Track> rooms = new HashMap<>();
        WebSocket ws;
        Listener listener;
        boolean open;
        boolean closing;
        boolean paused;
        int owed;
        int nextId;
        CompletableFuture<?> sending = CompletableFuture.completedFuture(null);

        StressClient(int i) {
            this.user = "stress-" + i;
            this.slow = i % SLOW_EVERY == 0;
            for (String r : ROOMS) {
                rooms.put(r, new Track());
            }
        }

        /** Opens a connection and enters (recovering) every room it wants to be in. Blocking: a handshake. */
        void connect() {
            Listener l = new Listener(this);
            WebSocket w = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(url + "?t=" + Tokens.forUser(user)), l).orTimeout(10, TimeUnit.SECONDS).join();
            synchronized (this) {
                ws = w;
                listener = l;
                open = true;
                sending = CompletableFuture.completedFuture(null);
                rooms.forEach((room, t) -> {
                    if (t.member) {
                        enter(room, t);
                    }
                });
            }
        }

        /** Holding this. */
        void send(String json) {
            WebSocket w = ws;
            sending = sending.thenCompose(v -> w.sendText(json, true)).exceptionally(e -> null);
        }

        /** Holding this. */
        void enter(String room, Track t) {
            String id = "e" + nextId++;
            t.pendingId = id;
            t.entered = true;
            t.member = true;
            t.since = t.last;
            t.buffered = t.since == null ? null : new ArrayList<>();
            if (t.since == null) {
                t.last = null; // tracking starts with what this enter brings
                send("{\"id\":\"" + id + "\",\"action\":\"enter\",\"room\":\"" + room + "\"}");
            } else {
                send("{\"id\":\"" + id + "\",\"action\":\"enter\",\"room\":\"" + room + "\",\"since\":{\"offset\":"
                        + t.since.offset() + ",\"epoch\":\"" + t.since.epoch() + "\"}}");
            }
            enters.incrementAndGet();
        }

        /** Holding this. */
        void leave(String room, Track t) {
            String id = "l" + nextId++;
            t.pendingId = id;
            t.member = false;
            send("{\"id\":\"" + id + "\",\"action\":\"leave\",\"room\":\"" + room + "\"}");
            leaves.incrementAndGet();
        }

        /** One random action of the churn. */
        synchronized void step(ScheduledExecutorService scheduler) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            if (!open) {
                return; // the scheduler reconnects it
            }
            List<String> in = new ArrayList<>();
            List<String> out = new ArrayList<>();
            int memberships = 0;
            for (Map.Entry<String, Track> e : rooms.entrySet()) {
                Track t = e.getValue();
                memberships += t.member && !e.getKey().equals("heavy") ? 1 : 0;
                if (t.pendingId == null) {
                    (t.member ? in : out).add(e.getKey());
                }
            }
            int action = random.nextInt(10);
            Track heavy = rooms.get("heavy");
            in.remove("heavy");
            out.remove("heavy");
            if (slow && action < 3 && !paused) {
                paused = true;
                if (!heavy.member && heavy.pendingId == null) {
                    enter("heavy", heavy);
                }
                scheduler.schedule(this::resume, 4000 + random.nextInt(3000), TimeUnit.MILLISECONDS);
            } else if (!paused && heavy.member && heavy.pendingId == null) {
                leave("heavy", heavy); // reading again: out of the heavy room
            } else if (action < 6 && !out.isEmpty() && memberships < MAX_ROOMS) {
                String room = out.get(random.nextInt(out.size()));
                enter(room, rooms.get(room));
            } else if (action < 9 && !in.isEmpty()) {
                String room = in.get(random.nextInt(in.size()));
                leave(room, rooms.get(room));
            }
        }

        synchronized void resume() {
            paused = false;
            if (owed > 0 && open) {
                ws.request(owed);
            }
            owed = 0;
        }

        synchronized void onFrame(Listener from, String text) {
            if (from != listener) {
                return;
            }
            JsonObject o = JSON.createReader(new StringReader(text)).readObject();
            if (o.containsKey("id")) {
                onReply(o);
            } else if (o.containsKey("error")) {
                violation(user + ": error frame " + text);
            } else if (o.containsKey("room")) {
                onNotification(o);
            }
            if (paused) {
                owed++;
            } else {
                ws.request(1);
            }
        }

        /** Holding this. */
        private void onReply(JsonObject o) {
            String id = o.getString("id");
            Map.Entry<String, Track> entry = rooms.entrySet().stream()
                    .filter(e -> id.equals(e.getValue().pendingId)).findFirst().orElse(null);
            if (entry == null) {
                violation(user + ": reply to nothing " + o);
                return;
            }
            String room = entry.getKey();
            Track t = entry.getValue();
            t.pendingId = null;
            if (o.containsKey("error")) {
                violation(user + ": " + room + " answered " + o);
                t.member = false;
                t.entered = false;
                return;
            }
            if (id.startsWith("l")) {
                t.entered = false;
                return;
            }
            Position top = new Position(o.getJsonNumber("offset").longValue(), o.getString("epoch"));
            if (t.buffered == null) {
                // Without since: the reply's position is read after the join, and the reply is
                // queued after it; a publication in between reaches the client before the reply.
                // So frames seen before the reply may be ahead of its position, never behind it.
                if (t.last != null && t.last.epoch().equals(top.epoch()) && top.offset() <= t.last.offset()) {
                    return;
                }
                if (t.last != null && !t.last.equals(top)) {
                    violation(user + ": " + room + " enter answered " + top + " after frames up to " + t.last);
                }
                t.last = top;
                return;
            }
            boolean recovered = o.getBoolean("recovered");
            (recovered ? recoveredTrue : recoveredFalse).incrementAndGet();
            t.last = recovered ? t.since : top;
            List<Position> frames = t.buffered;
            t.buffered = null;
            frames.forEach(p -> follow(room, t, p));
            if (recovered && t.last.offset() < top.offset()) {
                violation(user + ": " + room + " recovered:true but the replay stopped at " + t.last + " before " + top);
            }
        }

        /** Holding this. */
        private void onNotification(JsonObject o) {
            String room = o.getString("room");
            Track t = rooms.get(room);
            if (t == null || (!t.entered && t.last == null)) {
                violation(user + ": a notification of a room it never entered: " + o);
                return;
            }
            if (o.getString("entityId").startsWith("marker-")) {
                t.markers.add(o.getString("entityId"));
            }
            if (!o.containsKey("offset")) {
                return; // a presence event: not in the stream's offsets
            }
            notifications.incrementAndGet();
            Position p = new Position(o.getJsonNumber("offset").longValue(), o.getString("epoch"));
            if (t.buffered != null) {
                t.buffered.add(p);
            } else {
                follow(room, t, p);
            }
        }

        /** Holding this: {@code p} must follow the last position by exactly one. */
        private void follow(String room, Track t, Position p) {
            if (t.last != null) {
                boolean next = p.epoch().equals(t.last.epoch()) ? p.offset() == t.last.offset() + 1 : p.offset() == 1;
                if (!next) {
                    violation(user + ": " + room + " went from " + t.last + " to " + p + " (an unreported "
                            + (p.offset() <= t.last.offset() && p.epoch().equals(t.last.epoch()) ? "duplicate" : "gap") + ")");
                }
            }
            t.last = p;
        }

        synchronized void onClosed(Listener from, int code) {
            if (from != listener || closing) {
                return;
            }
            closeCodes.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
            if (code < 4000 || code > 4499) {
                violation(user + ": closed with " + code + ", not a reconnect-and-recover code");
            }
            open = false;
            paused = false;
            owed = 0;
            rooms.values().forEach(t -> {
                t.entered = false;
                if (t.pendingId != null && t.pendingId.startsWith("l")) {
                    t.member = false;
                }
                t.pendingId = null;
                if (t.buffered != null) {
                    t.last = t.since; // the replay never completed: ask for it again
                    t.buffered = null;
                }
            });
        }

        @Override
        public synchronized String toString() {
            StringBuilder b = new StringBuilder(user).append(open ? " open" : " closed").append(paused ? " paused" : "")
                    .append(" owed=").append(owed);
            rooms.forEach((room, t) -> {
                if (t.pendingId != null || t.member) {
                    b.append(' ').append(room).append(t.member ? "(in" : "(out").append(t.pendingId == null ? "" : " waiting " + t.pendingId)
                            .append(t.buffered == null ? "" : " buffering " + t.buffered.size()).append(')');
                }
            });
            return b.toString();
        }

        synchronized boolean settled() {
            return open && rooms.values().stream().allMatch(t -> t.pendingId == null);
        }

        synchronized Set<String> memberOf() {
            Set<String> in = new HashSet<>();
            rooms.forEach((room, t) -> {
                if (t.member) {
                    in.add(room);
                }
            });
            return in;
        }

        synchronized boolean gotMarkers() {
            return rooms.entrySet().stream().allMatch(e -> !e.getValue().member || e.getValue().markers.contains("marker-" + e.getKey()));
        }

        synchronized void close() {
            closing = true;
            if (open) {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
            }
        }

        synchronized boolean isOpen() {
            return open;
        }
    }

    /** Reassembles text messages; demand is managed by the client (a slow one stops asking). */
    private static final class Listener implements WebSocket.Listener {
        private final StressClient client;
        private final StringBuilder partial = new StringBuilder();

        Listener(StressClient client) {
            this.client = client;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                client.onFrame(this, text);
            } else {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            client.onClosed(this, statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            client.onClosed(this, -1);
        }
    }

    private static Message body(String entityId, String text) {
        return Message.newBuilder().setType(MessageType.TYPE_INFO).setEntityId(entityId)
                .setMessage(Any.pack(StringValue.of(text))).build();
    }

    /**
     * One publication, keyed half the time (and a keyed one sometimes twice): publisher 0 to the
     * heavy room, the others to a random other room.
     */
    private void publishOne(GrpcClient grpc, int publisher, long n) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String room = publisher == 0 ? "heavy" : ROOMS.get(random.nextInt(ROOMS.size() - 1));
        Message m = body("p" + publisher + "-" + n, room.equals("heavy") ? HEAVY : SMALL);
        try {
            if (random.nextBoolean()) {
                String key = "k" + publisher + "-" + n;
                PublishRequest r = PublishRequest.newBuilder().setRoom(room).setMessage(m).setIdempotencyKey(key).build();
                grpc.stub().publish(r);
                if (random.nextInt(10) == 0) {
                    assertTrue(grpc.stub().publish(r).getDuplicate(), "a retry with the same key is a duplicate");
                }
            } else {
                grpc.stub().notifyRoom(MessageWithRoom.newBuilder().setRoom(room).setBase(m).build());
            }
            published.incrementAndGet();
        } catch (RuntimeException | AssertionError e) {
            if (publishing) {
                violation("publisher " + publisher + ": " + e);
            }
        }
    }

    /** Waits until every client satisfies {@code condition}; else fails naming those that do not. */
    private static void awaitAll(List<StressClient> clients, java.util.function.Predicate<StressClient> condition, String what) {
        try {
            await().atMost(WAIT).until(() -> clients.stream().allMatch(condition));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not " + what + ": " + clients.stream().filter(condition.negate()).limit(10).toList(), e);
        }
    }

    @Test
    void churnWithSlowConsumersAndConcurrentPublishersLosesNothingSilently() throws Exception {
        Map<String, String> settings = EmbeddedJetty.defaults();
        settings.put("CLIENT_QUEUE_MAX_BYTES", "128KiB");
        settings.put("HISTORY_SIZE", "2000");
        settings.put("PRESENCE_EVENTS", "*");
        settings.put("MAX_CONNECTIONS_PER_USER", "5");
        try (EmbeddedJetty server = EmbeddedJetty.start(settings); GrpcClient grpc = new GrpcClient(server.port())) {
            url = "ws://127.0.0.1:" + server.port() + "/ws";
            List<StressClient> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                StressClient c = new StressClient(i);
                c.connect();
                clients.add(c);
            }
            ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(8);
            ScheduledExecutorService publishers = Executors.newScheduledThreadPool(4);
            try {
                // 4 publishers at a fixed pace, up to 100 publications per second each.
                for (int p = 0; p < 4; p++) {
                    int publisher = p;
                    AtomicLong n = new AtomicLong();
                    publishers.scheduleAtFixedRate(() -> publishOne(grpc, publisher, n.incrementAndGet()), 0, 10, TimeUnit.MILLISECONDS);
                }
                for (StressClient c : clients) {
                    scheduler.scheduleWithFixedDelay(() -> {
                        if (c.isOpen()) {
                            c.step(scheduler);
                        } else {
                            c.connect(); // closed as a slow consumer (or otherwise): come back, recovering
                        }
                    }, ThreadLocalRandom.current().nextInt(300), 150 + ThreadLocalRandom.current().nextInt(250),
                            TimeUnit.MILLISECONDS);
                }
                scheduler.scheduleWithFixedDelay(() -> {
                    long[] deadlocked = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
                    if (deadlocked != null) {
                        violation("deadlocked threads: " + deadlocked.length);
                    }
                }, 1, 1, TimeUnit.SECONDS);
                // The churn runs for a bounded time; the Info RPC must keep answering meanwhile.
                long end = System.nanoTime() + CHURN.toNanos();
                await().atMost(CHURN.plusSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    grpc.stub().info(InfoRequest.getDefaultInstance());
                    return System.nanoTime() - end >= 0;
                });
            } finally {
                publishing = false;
                publishers.shutdownNow();
                scheduler.shutdownNow();
                assertTrue(publishers.awaitTermination(20, TimeUnit.SECONDS), "the publishers did not stop");
                assertTrue(scheduler.awaitTermination(20, TimeUnit.SECONDS), "the churn did not stop");
            }

            // Quiet: everyone reads again, reconnects if closed (a slow client reads its 4002 only
            // now), and gets its answers.
            clients.forEach(StressClient::resume);
            awaitAll(clients, c -> {
                if (!c.isOpen()) {
                    c.connect();
                }
                return c.settled();
            }, "settled");

            // No client stopped receiving: one marker per room reaches every member.
            for (String room : ROOMS) {
                grpc.stub().publish(PublishRequest.newBuilder().setRoom(room).setMessage(body("marker-" + room, "m")).build());
            }
            awaitAll(clients, StressClient::gotMarkers, "got every marker");

            // No ghost presence: presence is exactly who is in each room.
            for (String room : ROOMS) {
                Set<String> expected = new HashSet<>();
                clients.forEach(c -> {
                    if (c.memberOf().contains(room)) {
                        expected.add(c.user);
                    }
                });
                Set<String> present = new HashSet<>();
                grpc.stub().presence(PresenceRequest.newBuilder().setRoom(room).build()).getPresenceMap()
                        .values().forEach(ci -> present.add(ci.getUserId()));
                assertEquals(expected, present, "presence of " + room);
                assertEquals(expected.size(), grpc.stub().presenceStats(PresenceStatsRequest.newBuilder().setRoom(room).build())
                        .getNumClients(), "one connection per user in " + room);
            }
            assertNull(ManagementFactory.getThreadMXBean().findDeadlockedThreads(), "deadlocked threads");

            clients.forEach(StressClient::close);
            await().atMost(WAIT).until(() -> grpc.stub().info(InfoRequest.getDefaultInstance()).getNumClients() == 0);
            for (String room : ROOMS) {
                assertEquals(0, grpc.stub().presenceStats(PresenceStatsRequest.newBuilder().setRoom(room).build())
                        .getNumClients(), "ghost presence in " + room + " after every client closed");
            }
            Map<Integer, Integer> codes = new TreeMap<>();
            closeCodes.forEach((code, n) -> codes.put(code, n.get()));
            System.out.printf("stress: %d publications, %d notifications checked, %d enters (%d recovered, %d not), "
                            + "%d leaves, closes by code %s%n", published.get(), notifications.get(), enters.get(),
                    recoveredTrue.get(), recoveredFalse.get(), leaves.get(), codes);
            assertEquals(List.of(), List.copyOf(violations));
            assertTrue(codes.getOrDefault(4002, 0) > 0, "no client was closed as a slow consumer: " + codes);
            assertTrue(recoveredTrue.get() > 0, "no enter recovered");
            assertTrue(enters.get() > CLIENTS && leaves.get() > CLIENTS, "too little churn");
        }
    }
}
