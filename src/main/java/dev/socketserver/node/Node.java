package dev.socketserver.node;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerEventHandler;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.broker.HistoryResult;
import dev.socketserver.broker.PublishOptions;
import dev.socketserver.broker.PublishResult;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.hub.Backlog;
import dev.socketserver.hub.Client;
import dev.socketserver.hub.Disconnect;
import dev.socketserver.hub.Heartbeat;
import dev.socketserver.hub.Hub;
import dev.socketserver.hub.Transport;
import dev.socketserver.hub.Writers;
import dev.socketserver.message.Json;
import dev.socketserver.message.Notification;
import dev.socketserver.message.NotificationFrames;
import dev.socketserver.message.Publication;
import dev.socketserver.message.RoomNames;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import dev.socketserver.presence.ClientInfo;
import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.PresenceStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What transports call. Every publication takes one path:
 * {@code publish -> Broker.publish -> Node.onPublication -> Hub -> Client queues}.
 *
 * <p>Thread-safe. Publishing returns once the broker accepted the publication; it never waits
 * on a socket. Recovery is race-free: a client's live publications for a stream are held back
 * from before it joins the stream until the history read after joining has been replayed, and
 * the overlap is removed by offset.
 */
public final class Node implements BrokerEventHandler, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Node.class.getName());
    /** The most publications one recovery replays; history sizes bound it further. */
    private static final int MAX_RECOVERY = 100_000;

    private final NodeOptions options;
    private final Broker broker;
    private final PresenceManager presence;
    private final HistoryPolicy history;
    private final List<String> presenceEventRooms;
    private final ExecutorService writers;
    private final Backlog backlog;
    private final Hub hub;
    private final ScheduledExecutorService scheduler;
    private final Heartbeat heartbeat;
    private final AtomicInteger connections = new AtomicInteger();
    private final LongAdder publications = new LongAdder();
    private final LongAdder deliveries = new LongAdder();
    private final String nodeId = UUID.randomUUID().toString();
    private final long startedNanos = System.nanoTime();
    private volatile boolean serving;
    private volatile boolean draining;
    /** Why the broker's engine cannot be reached; null while it can. */
    private volatile String engineProblem;
    private final List<Consumer<Readiness>> readinessListeners = new CopyOnWriteArrayList<>();

    /**
     * @param presenceEventRooms room globs whose members are told about joins and leaves
     */
    public Node(NodeOptions options, Broker broker, PresenceManager presence, HistoryPolicy history,
                List<String> presenceEventRooms) {
        this.options = Objects.requireNonNull(options, "options");
        this.broker = Objects.requireNonNull(broker, "broker");
        this.presence = Objects.requireNonNull(presence, "presence");
        this.history = Objects.requireNonNull(history, "history");
        this.presenceEventRooms = List.copyOf(presenceEventRooms);
        this.writers = Writers.pool(options.writerThreads());
        this.backlog = new Backlog(options.publishBacklogBytes(), options.clientQueueMaxBytes() / 4);
        this.hub = new Hub(writers, backlog);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "socket-server-scheduler");
            t.setDaemon(true);
            return t;
        });
        broker.start(this);
        this.heartbeat = new Heartbeat(hub, options.pingInterval(), options.pongTimeout(), scheduler);
    }

    public NodeOptions options() {
        return options;
    }

    // ---- publishing -------------------------------------------------------------------

    /**
     * Accepts a publication; completes with its position ({@code null} without history).
     *
     * @param idempotencyKey optional; a retry with the same key within the window is not
     *                       delivered again and completes with the first result
     */
    public CompletionStage<PublishResult> publish(Target target, Notification notification, String idempotencyKey) {
        validate(target);
        refuseUndeliverable(target, notification);
        return broker.publish(target, notification, history.optionsFor(target, idempotencyKey))
                .thenCompose(r -> {
                    if (!r.duplicate()) {
                        publications.increment();
                    }
                    // Flow control: the reply waits while reading clients have too much queued.
                    return backlog.whenBelowLimit().thenApply(v -> r);
                });
    }

    /** {@link #publish(Target, Notification, String)} without an idempotency key. */
    public CompletionStage<PublishResult> publish(Target target, Notification notification) {
        return publish(target, notification, null);
    }

    @Override
    public void onPublication(Publication publication) {
        deliveries.add(hub.deliver(publication, NotificationFrames.render(publication)));
    }

    /** A stream's retained publications and current position. */
    public CompletionStage<HistoryResult> history(Target target, HistoryQuery query) {
        validate(target);
        return broker.history(target, query);
    }

    /**
     * A frame larger than {@code clientQueueMaxBytes} could never be queued for anyone: refused
     * before it reaches history, where recovery would replay it again and again.
     */
    private void refuseUndeliverable(Target target, Notification notification) {
        long max = options.clientQueueMaxBytes();
        long bytes = NotificationFrames.maxBytes(target, notification, max);
        if (bytes > max) {
            throw new ServerException(ErrorCode.TOO_LARGE, "the notification renders to a frame of " + bytes
                    + " bytes (position included); no connection may queue more than " + max
                    + " bytes (CLIENT_QUEUE_MAX_BYTES)");
        }
    }

    private static void validate(Target target) {
        if (target instanceof Target.Room r) {
            RoomNames.validate(r.name());
        } else if (target instanceof Target.User u && u.id().isEmpty()) {
            throw ServerException.badRequest("userId must not be empty");
        }
    }

    // ---- connections ------------------------------------------------------------------

    /**
     * Whether a new connection of {@code userId} would be accepted now; lets transports refuse
     * before they upgrade.
     *
     * @throws ServerException {@code unavailable} while draining, {@code limit_exceeded} over
     *                         {@code maxConnections} or {@code maxConnectionsPerUser}
     */
    public void checkAdmission(String userId) {
        if (draining) {
            throw new ServerException(ErrorCode.UNAVAILABLE, "server is shutting down; reconnect to another node");
        }
        if (connections.get() >= options.maxConnections()) {
            throw new ServerException(ErrorCode.LIMIT_EXCEEDED, "this node is at its connection limit");
        }
        if (hub.clientsOf(userId).size() >= options.maxConnectionsPerUser()) {
            throw new ServerException(ErrorCode.LIMIT_EXCEEDED,
                    "a user may hold at most " + options.maxConnectionsPerUser() + " connections");
        }
    }

    /**
     * Registers a new connection of {@code userId}, which receives the broadcast stream and its
     * user's private stream. The node-wide limit is exact; the per-user limit may be overshot by
     * handshakes of the same user that race each other.
     *
     * @param recover streams (broadcast and/or this user's) to recover: each must then be
     *                completed with {@link #recover}
     * @throws ServerException as {@link #checkAdmission}
     */
    public Client connect(String userId, Transport transport, List<Target> recover) {
        checkAdmission(userId);
        if (connections.incrementAndGet() > options.maxConnections()) {
            connections.decrementAndGet();
            throw new ServerException(ErrorCode.LIMIT_EXCEEDED, "this node is at its connection limit");
        }
        Client client = hub.newClient(UUID.randomUUID().toString(), userId, transport,
                options.clientQueueMaxBytes(), (c, why) -> onClientClosed(c));
        for (Target t : recover) {
            client.beginRecovery(t.streamKey());
        }
        hub.add(client);
        if (draining) {
            // Raced with close(): do not leave a client that close() did not see.
            client.close(Disconnect.GOING_AWAY);
        }
        return client;
    }

    /** {@link #connect(String, Transport, List)} without recovery. */
    public Client connect(String userId, Transport transport) {
        return connect(userId, transport, List.of());
    }

    private void onClientClosed(Client c) {
        for (String room : List.copyOf(c.rooms())) {
            left(c, room);
        }
        hub.remove(c);
        connections.decrementAndGet();
    }

    /**
     * Completes a recovery begun by {@link #connect(String, Transport, List)}: replays what
     * {@code client} missed on {@code target} after {@code since}, then lets live publications
     * through.
     */
    public CompletionStage<EnterResult> recover(Client client, Target target, StreamPosition since) {
        Client.Recovery r = client.pendingRecovery(target.streamKey());
        if (r == null) {
            throw new IllegalStateException("no recovery begun for " + target.streamKey());
        }
        return replay(r, target, since);
    }

    private CompletionStage<EnterResult> replay(Client.Recovery r, Target target, StreamPosition since) {
        if (!history.keepsHistory(target)) {
            r.complete(List.of(), NotificationFrames::render);
            return CompletableFuture.completedFuture(new EnterResult(null, false));
        }
        CompletionStage<HistoryResult> read;
        try {
            read = broker.history(target, new HistoryQuery(since, MAX_RECOVERY, false));
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        return read.handle((h, error) -> {
            if (error != null) {
                r.complete(List.of(), NotificationFrames::render);
                throw error instanceof ServerException se ? se
                        : new ServerException(ErrorCode.UNAVAILABLE, "history is unavailable");
            }
            boolean recovered = since.epoch().equals(h.position().epoch())
                    && since.offset() <= h.position().offset()
                    && since.offset() + 1 >= h.oldestOffset();
            r.complete(recovered ? h.publications() : List.of(), NotificationFrames::render);
            return new EnterResult(h.position(), recovered);
        });
    }

    // ---- rooms ------------------------------------------------------------------------

    /**
     * Subscribes a client to a room. Idempotent. With {@code since}, first replays what it
     * missed after that position.
     *
     * @throws ServerException {@code bad_request} for an invalid name, {@code limit_exceeded}
     *                         over {@code maxRoomsPerClient}
     */
    public CompletionStage<EnterResult> enter(Client client, String room, StreamPosition since) {
        RoomNames.validate(room);
        if (!client.rooms().contains(room) && client.rooms().size() >= options.maxRoomsPerClient()) {
            throw new ServerException(ErrorCode.LIMIT_EXCEEDED,
                    "a connection may be in at most " + options.maxRoomsPerClient() + " rooms");
        }
        Target target = Target.room(room);
        if (since != null && !client.rooms().contains(room)) {
            Client.Recovery r = client.beginRecovery(target.streamKey());
            joined(client, room);
            return replay(r, target, since);
        }
        joined(client, room);
        if (since != null) {
            // Already a member: it misses nothing, so it is recovered if its position is current.
            return position(target).thenApply(p -> new EnterResult(p,
                    p != null && p.epoch().equals(since.epoch()) && p.offset() == since.offset()));
        }
        return position(target).thenApply(p -> new EnterResult(p, null));
    }

    private CompletionStage<StreamPosition> position(Target target) {
        if (!history.keepsHistory(target)) {
            return CompletableFuture.completedFuture(null);
        }
        return broker.history(target, new HistoryQuery(null, 0, false)).thenApply(HistoryResult::position);
    }

    private void joined(Client client, String room) {
        if (hub.join(client, room)) {
            presence.add(room, new ClientInfo(client.id(), client.userId()));
            presenceEvent(room, "join", client);
        }
    }

    private void left(Client client, String room) {
        if (hub.leave(client, room)) {
            presence.remove(room, client.id());
            presenceEvent(room, "leave", client);
        }
    }

    private void presenceEvent(String room, String type, Client client) {
        if (!RoomGrants.allows(presenceEventRooms, room)) {
            return;
        }
        String body = Json.quote(new StringBuilder("{\"user\":"), client.userId())
                .append(",\"client\":").append(Json.quote(client.id())).append('}').toString();
        broker.publish(Target.room(room), new Notification(type, client.userId(), body), PublishOptions.noHistory())
                .whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.log(Level.FINE, "presence event not published", e);
                    }
                });
    }

    /** Unsubscribes a client from a room. Idempotent. */
    public void leave(Client client, String room) {
        RoomNames.validate(room);
        left(client, room);
    }

    public CompletionStage<Map<String, ClientInfo>> presence(String room) {
        RoomNames.validate(room);
        return presence.presence(room);
    }

    public CompletionStage<PresenceStats> presenceStats(String room) {
        RoomNames.validate(room);
        return presence.stats(room);
    }

    /** Rooms with members on this node whose names match {@code pattern} (a glob; null = all). */
    public Map<String, Integer> rooms(String pattern) {
        Map<String, Integer> out = new TreeMap<>();
        hub.roomSizes().forEach((name, n) -> {
            if (pattern == null || pattern.isEmpty() || RoomGrants.matches(pattern, name)) {
                out.put(name, n);
            }
        });
        return out;
    }

    // ---- on a user's behalf -----------------------------------------------------------

    /**
     * Subscribes every connection of {@code userId} on this node to {@code room}.
     *
     * @return connections subscribed (those over their room limit are skipped)
     */
    public int subscribeUser(String userId, String room) {
        requireUser(userId);
        RoomNames.validate(room);
        int n = 0;
        for (Client c : List.copyOf(hub.clientsOf(userId))) {
            if (c.rooms().contains(room) || c.rooms().size() < options.maxRoomsPerClient()) {
                joined(c, room);
                n++;
            }
        }
        return n;
    }

    /** Unsubscribes every connection of {@code userId} on this node from {@code room}. */
    public int unsubscribeUser(String userId, String room) {
        requireUser(userId);
        RoomNames.validate(room);
        int n = 0;
        for (Client c : List.copyOf(hub.clientsOf(userId))) {
            if (c.rooms().contains(room)) {
                left(c, room);
                n++;
            }
        }
        return n;
    }

    /**
     * Closes every connection of {@code userId} on this node: 4503 (do not reconnect) or, with
     * {@code reconnect}, 4005.
     */
    public int disconnectUser(String userId, boolean reconnect) {
        requireUser(userId);
        List<Client> all = List.copyOf(hub.clientsOf(userId));
        for (Client c : all) {
            c.close(reconnect ? Disconnect.FORCE_RECONNECT : Disconnect.DISCONNECTED);
        }
        return all.size();
    }

    private static void requireUser(String userId) {
        if (userId == null || userId.isEmpty()) {
            throw ServerException.badRequest("userId must not be empty");
        }
    }

    /** Bytes the outbound backlog counts now; for tests. */
    long backlogBytes() {
        return backlog.bytes();
    }

    public NodeInfo info() {
        return new NodeInfo(nodeId, Duration.ofNanos(System.nanoTime() - startedNanos), hub.clientCount(),
                hub.userCount(), hub.roomCount(), publications.sum(), deliveries.sum());
    }

    // ---- lifecycle --------------------------------------------------------------------

    public boolean isDraining() {
        return draining;
    }

    /**
     * Whether this node should get new traffic: {@link Readiness.State#STARTING} until
     * {@link #markServing()}, {@link Readiness.State#DRAINING} from {@link #startDraining()} on,
     * {@link Readiness.State#ENGINE_UNREACHABLE} between {@link #engineLinkLost} and
     * {@link #engineLinkRestored()}, otherwise {@link Readiness.State#SERVING}.
     */
    public Readiness readiness() {
        if (draining) {
            return new Readiness(Readiness.State.DRAINING, "the server is shutting down");
        }
        if (!serving) {
            return new Readiness(Readiness.State.STARTING, "the server is starting");
        }
        String problem = engineProblem;
        if (problem != null) {
            return new Readiness(Readiness.State.ENGINE_UNREACHABLE, problem);
        }
        return new Readiness(Readiness.State.SERVING, "accepting connections and publications");
    }

    /**
     * Calls {@code listener} with the current readiness now and with every change after, in
     * order, on the thread that made the change; it must be quick and must not call back into
     * lifecycle methods.
     */
    public void onReadinessChange(Consumer<Readiness> listener) {
        synchronized (readinessListeners) {
            readinessListeners.add(listener);
            listener.accept(readiness());
        }
    }

    private void readinessChanged() {
        synchronized (readinessListeners) {
            Readiness now = readiness();
            for (Consumer<Readiness> listener : readinessListeners) {
                listener.accept(now);
            }
        }
    }

    /** The application finished starting: its transports are installed. */
    public void markServing() {
        serving = true;
        readinessChanged();
    }

    /**
     * The broker lost its link to its engine (e.g. Redis): the node is not ready until
     * {@link #engineLinkRestored()}. The memory broker never calls it.
     *
     * @param reason shown on {@code /health/ready}: say what is down, never an address or secret
     */
    public void engineLinkLost(String reason) {
        engineProblem = Objects.requireNonNull(reason, "reason");
        readinessChanged();
    }

    /** The broker's engine is reachable again. */
    public void engineLinkRestored() {
        engineProblem = null;
        readinessChanged();
    }

    /** Stops accepting connections; existing ones keep working until {@link #close()}. */
    public void startDraining() {
        draining = true;
        readinessChanged();
    }

    /** Closes every connection with 1001 and stops the node's timers, broker and presence. */
    @Override
    public void close() {
        startDraining();
        heartbeat.close();
        List<Client> all = new ArrayList<>(hub.clients());
        for (Client c : all) {
            try {
                c.close(Disconnect.GOING_AWAY);
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "closing " + c, e);
            }
        }
        broker.close();
        presence.close();
        backlog.release();
        scheduler.shutdownNow();
        writers.shutdown();
        try {
            scheduler.awaitTermination(2, TimeUnit.SECONDS);
            writers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info(() -> "node closed; " + all.size() + " connection(s) closed with 1001");
    }
}
