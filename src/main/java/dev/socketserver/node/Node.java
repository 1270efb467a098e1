package dev.socketserver.node;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerEventHandler;
import dev.socketserver.broker.ControlCommand;
import dev.socketserver.broker.ControlReply;
import dev.socketserver.broker.Gap;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.broker.HistoryResult;
import dev.socketserver.broker.PublishOptions;
import dev.socketserver.broker.PublishResult;
import dev.socketserver.config.HistorySettings;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.hub.Backlog;
import dev.socketserver.hub.Client;
import dev.socketserver.hub.Disconnect;
import dev.socketserver.hub.Heartbeat;
import dev.socketserver.hub.Hub;
import dev.socketserver.hub.Transport;
import dev.socketserver.hub.Writers;
import dev.socketserver.message.Frame;
import dev.socketserver.message.Json;
import dev.socketserver.message.Notification;
import dev.socketserver.message.NotificationFrames;
import dev.socketserver.message.Publication;
import dev.socketserver.message.Identifiers;
import dev.socketserver.message.RoomNames;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import dev.socketserver.presence.ClientInfo;
import dev.socketserver.presence.PresenceManager;
import dev.socketserver.presence.PresenceStats;
import dev.socketserver.stats.EngineGauges;
import dev.socketserver.stats.Stats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What transports call. Every publication takes one path:
 * {@code publish -> Broker.publish -> Node.onPublication -> Hub -> Client queues}.
 *
 * <p>Thread-safe. The rules it keeps (docs/DELIVERY.md):
 * <ul>
 *   <li>Publishing returns once the broker accepted the publication; it never waits on a
 *   socket. {@link #onPublication} runs inside the stream's ordering domain and only renders
 *   and queues; the side effects a publication causes (closing a slow client, its presence
 *   and leave events) run afterwards on the writer pool, so nothing a publisher holds waits
 *   on another stream.</li>
 *   <li>A client's membership changes and their side effects happen under its monitor, which
 *   the close path takes after marking it closed: no ghost presence, every join event is
 *   followed by a leave.</li>
 *   <li>Recovery is race-free and never papers over a gap: a client's live publications for a
 *   stream are held back (counted against its queue bound) from before it joins the stream
 *   until the history read after joining has been replayed; the overlap is removed by
 *   position, epoch first. A replay that cannot be complete answers recovered:false; a gap
 *   seen afterwards closes the client with {@link Disconnect#STREAM_GAP}.</li>
 * </ul>
 */
public final class Node implements BrokerEventHandler, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Node.class.getName());

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
    private final Interests interests;
    private final AtomicInteger connections = new AtomicInteger();
    private final LongAdder publications = new LongAdder();
    private final LongAdder deliveries = new LongAdder();
    private final String nodeId;
    private final long startedNanos = System.nanoTime();
    private volatile boolean serving;
    private volatile boolean draining;
    /** Why the broker's engine cannot be reached; null while it can. */
    private volatile String engineProblem;
    private final List<Consumer<Readiness>> readinessListeners = new CopyOnWriteArrayList<>();
    private final Stats stats;

    /**
     * @param presenceEventRooms room globs whose members are told about joins and leaves
     */
    public Node(NodeOptions options, Broker broker, PresenceManager presence, HistorySettings history,
                List<String> presenceEventRooms) {
        this(UUID.randomUUID().toString(), options, broker, presence, history, presenceEventRooms, Stats.disabled());
    }

    /**
     * @param nodeId this node's id among the nodes sharing the broker (presence entries and
     *               {@code Info} name it); must be unique among them
     * @param stats  what this node and its clients count; a broker that implements
     *               {@link EngineGauges} is registered with it
     */
    public Node(String nodeId, NodeOptions options, Broker broker, PresenceManager presence, HistorySettings history,
                List<String> presenceEventRooms, Stats stats) {
        this.nodeId = Identifiers.validate("nodeId", nodeId);
        this.stats = Objects.requireNonNull(stats, "stats");
        if (broker instanceof EngineGauges gauges) {
            stats.engine(gauges);
        }
        this.options = Objects.requireNonNull(options, "options");
        this.broker = Objects.requireNonNull(broker, "broker");
        this.presence = Objects.requireNonNull(presence, "presence");
        this.history = new HistoryPolicy(Objects.requireNonNull(history, "history"));
        this.presenceEventRooms = List.copyOf(presenceEventRooms);
        this.writers = Writers.pool(options.writerThreads());
        this.backlog = new Backlog(options.publishBacklogBytes(), options.clientQueueMaxBytes() / 4);
        this.hub = new Hub(writers, backlog, stats);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "socket-server-scheduler");
            t.setDaemon(true);
            return t;
        });
        this.interests = new Interests(broker);
        broker.start(this);
        interests.acquire(Target.all()); // every node follows the broadcast stream
        presence.refresh(nodeId);
        long refreshMillis = Math.max(1, options.presenceTtl().toMillis() / 3);
        scheduler.scheduleWithFixedDelay(this::refreshPresence, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
        this.heartbeat = new Heartbeat(hub, options.pingInterval(), options.pongTimeout(), scheduler);
    }

    /**
     * Keeps this node's presence entries alive; if they had expired (the node could not refresh
     * in time), adds every local entry again. Never throws, and logs every failure, also one in
     * the completion callback (which would otherwise only fail a future nobody reads): it is a
     * periodic task, and one that throws is never run again.
     */
    void refreshPresence() {
        try {
            presence.refresh(nodeId).whenComplete((alive, e) -> {
                try {
                    if (e != null) {
                        LOG.log(Level.WARNING, "presence refresh failed; entries expire unless the next one succeeds", e);
                    } else if (!alive) {
                        LOG.warning("this node's presence entries had expired; adding them again");
                        for (Client c : hub.clients()) {
                            synchronized (c) {
                                if (!c.isClosed()) {
                                    c.rooms().forEach(room -> presence.add(room, presenceEntry(c)));
                                }
                            }
                        }
                    }
                } catch (Throwable t) {
                    LOG.log(Level.SEVERE, "adding this node's presence entries again failed; some may stay missing until their clients enter again", t);
                }
            });
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "presence refresh failed; the next one runs as scheduled", t);
        }
    }

    private ClientInfo presenceEntry(Client c) {
        return new ClientInfo(c.id(), c.userId(), nodeId);
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
        long started = System.nanoTime();
        return broker.publish(target, notification, history.optionsFor(target, idempotencyKey))
                .whenComplete((r, e) -> stats.brokerPublish(System.nanoTime() - started, e != null))
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
        } else if (target instanceof Target.User u) {
            Identifiers.validate("userId", u.id());
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
        // Before the client is indexed: its close (which releases it) can only come after.
        interests.acquire(Target.user(userId));
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
        // The client is closed already, so no join can follow once this holds its monitor.
        synchronized (c) {
            for (String room : c.rooms()) {
                left(c, room);
            }
            hub.remove(c);
            interests.release(Target.user(c.userId()));
        }
        connections.decrementAndGet();
    }

    /**
     * Completes a recovery begun by {@link #connect(String, Transport, List)}: replays what
     * {@code client} missed on {@code target} after {@code since}, then lets live publications
     * through. If the history cannot be read, the client is closed with
     * {@link Disconnect#STREAM_GAP} (reconnect and recover) rather than left with a gap.
     */
    public CompletionStage<EnterResult> recover(Client client, Target target, StreamPosition since) {
        Client.Recovery r = client.pendingRecovery(target.streamKey());
        if (r == null) {
            throw new IllegalStateException("no recovery begun for " + target.streamKey());
        }
        return counted(whenFollowed(target, r, () -> client.close(Disconnect.STREAM_GAP))
                .thenCompose(v -> replay(r, target, since, () -> client.close(Disconnect.STREAM_GAP))));
    }

    /** Counts a recovery's answer (recovered or not) once it is known. */
    private CompletionStage<EnterResult> counted(CompletionStage<EnterResult> recovery) {
        return recovery.whenComplete((result, error) -> {
            if (result != null && result.recovered() != null) {
                stats.recovery(result.recovered() ? Stats.Recovery.RECOVERED : Stats.Recovery.NOT_RECOVERED);
            }
        });
    }

    /**
     * Completes once the broker delivers {@code target} to this node (a history read made after
     * it misses nothing); if the broker cannot, ends the recovery (if any) and undoes the join.
     */
    private CompletionStage<Void> whenFollowed(Target target, Client.Recovery r, Runnable undo) {
        return interests.subscribed(target).handle((v, error) -> {
            if (error != null) {
                if (r != null) {
                    r.end();
                }
                undo.run();
                throw new ServerException(ErrorCode.UNAVAILABLE, "the broker cannot deliver " + target.streamKey() + " now");
            }
            return null;
        });
    }

    /**
     * Reads the history after {@code since} and completes the recovery with it. The answer is
     * recovered only with a complete replay: the same epoch, every offset from {@code since}
     * to the stream's position still retained, and all of it within half the client's queue
     * bound (so that a replay can never close a reading client as a slow consumer, which would
     * make it reconnect and ask for the same replay again). Otherwise nothing is replayed and
     * the client gets recovered:false with the current position, and must refetch.
     *
     * @param onFailure undoes what the caller did for the recovery when the history is unavailable
     */
    private CompletionStage<EnterResult> replay(Client.Recovery r, Target target, StreamPosition since,
                                                Runnable onFailure) {
        if (!history.keepsHistory(target)) {
            r.complete(List.of(), null);
            return CompletableFuture.completedFuture(new EnterResult(null, false));
        }
        CompletionStage<HistoryResult> read;
        try {
            read = broker.history(target, new HistoryQuery(since, history.sizeFor(target), false));
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        return read.handle((h, error) -> {
            if (error != null) {
                r.end();
                onFailure.run();
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                throw cause instanceof ServerException se ? se
                        : new ServerException(ErrorCode.UNAVAILABLE, "history is unavailable");
            }
            List<Frame> frames = replayFrames(since, h);
            r.complete(frames == null ? List.of() : frames, h.position());
            return new EnterResult(h.position(), frames != null);
        });
    }

    /** The frames that bring a client from {@code since} to the stream's position, or null when they cannot (see {@link #replay}). */
    private List<Frame> replayFrames(StreamPosition since, HistoryResult h) {
        StreamPosition top = h.position();
        if (!since.epoch().equals(top.epoch()) || since.offset() > top.offset()) {
            return null;
        }
        long budget = options.clientQueueMaxBytes() / 2;
        long bytes = 0;
        long expected = since.offset() + 1;
        List<Frame> frames = new ArrayList<>(h.publications().size());
        for (Publication p : h.publications()) {
            if (p.position().offset() != expected || !p.position().epoch().equals(top.epoch())) {
                return null;
            }
            Frame f = NotificationFrames.render(p);
            bytes += f.bytes();
            if (bytes > budget) {
                return null;
            }
            frames.add(f);
            expected++;
        }
        return expected == top.offset() + 1 ? frames : null;
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
            if (!joined(client, room)) {
                r.end();
                throw closedClient();
            }
            // Unavailable history: leave again, so the client is not in the room with a gap.
            Runnable undo = () -> left(client, room);
            return counted(whenFollowed(target, r, undo).thenCompose(v -> replay(r, target, since, undo)));
        }
        if (!joined(client, room)) {
            throw closedClient();
        }
        Runnable undo = () -> left(client, room);
        // An enter answered with an error leaves the client out of the room, also when only the
        // position could not be read (an engine that timed out): it would otherwise receive the
        // room's notifications after being told it is not in it.
        CompletionStage<StreamPosition> entered = whenFollowed(target, null, undo)
                .thenCompose(v -> position(target).whenComplete((p, e) -> {
                    if (e != null) {
                        undo.run();
                    }
                }));
        if (since != null) {
            // Already a member: it misses nothing, so it is recovered if its position is current.
            return counted(entered.thenApply(p -> new EnterResult(p,
                    p != null && p.epoch().equals(since.epoch()) && p.offset() == since.offset())));
        }
        return entered.thenApply(p -> new EnterResult(p, null));
    }

    private CompletionStage<StreamPosition> position(Target target) {
        if (!history.keepsHistory(target)) {
            return CompletableFuture.completedFuture(null);
        }
        return broker.history(target, new HistoryQuery(null, 0, false)).thenApply(HistoryResult::position);
    }

    private static ServerException closedClient() {
        return new ServerException(ErrorCode.UNAVAILABLE, "the connection is closed");
    }

    /*
     * A client's membership changes and their side effects (index, presence entry, join/leave
     * event) happen under the client's monitor, and the close path takes it after the client is
     * marked closed: so a join racing a close either completes before the close leaves every
     * room, or sees the client closed and does nothing. Presence calls for one client are made
     * in order. Lock order: a client's monitor, then a stream's lock (publishing an event); no
     * code holding a stream's lock takes a client's monitor.
     */

    /** @return false if the client is closed (then nothing was added) */
    private boolean joined(Client client, String room) {
        synchronized (client) {
            if (client.isClosed()) {
                return false;
            }
            if (hub.join(client, room)) {
                interests.acquire(Target.room(room));
                presence.add(room, presenceEntry(client));
                presenceEvent(room, "join", client);
            }
            return true;
        }
    }

    private void left(Client client, String room) {
        synchronized (client) {
            client.endRecovery(Target.room(room).streamKey());
            if (hub.leave(client, room)) {
                presence.remove(room, client.id());
                presenceEvent(room, "leave", client);
                interests.release(Target.room(room));
            }
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

    // ---- on every node, through the broker ---------------------------------------------

    /**
     * Rooms with members on any node whose names match {@code pattern} (a glob; null or empty:
     * all), with their member counts summed over the nodes.
     */
    public CompletionStage<Map<String, Integer>> rooms(String pattern) {
        return broker.control(new ControlCommand.Rooms(pattern == null ? "" : pattern)).thenApply(replies -> {
            Map<String, Integer> out = new TreeMap<>();
            for (ControlReply r : replies) {
                ((ControlReply.Rooms) r).rooms().forEach((name, n) -> out.merge(name, n, Integer::sum));
            }
            return out;
        });
    }

    /**
     * Subscribes every connection of {@code userId}, on every node, to {@code room}.
     *
     * @return connections subscribed (those over their room limit are skipped)
     */
    public CompletionStage<Integer> subscribeUser(String userId, String room) {
        Identifiers.validate("userId", userId);
        RoomNames.validate(room);
        return connections(new ControlCommand.SubscribeUser(userId, room));
    }

    /** Unsubscribes every connection of {@code userId}, on every node, from {@code room}. */
    public CompletionStage<Integer> unsubscribeUser(String userId, String room) {
        Identifiers.validate("userId", userId);
        RoomNames.validate(room);
        return connections(new ControlCommand.UnsubscribeUser(userId, room));
    }

    /**
     * Closes every connection of {@code userId} on every node: 4503 (do not reconnect) or, with
     * {@code reconnect}, 4005.
     */
    public CompletionStage<Integer> disconnectUser(String userId, boolean reconnect) {
        Identifiers.validate("userId", userId);
        return connections(new ControlCommand.DisconnectUser(userId, reconnect));
    }

    private CompletionStage<Integer> connections(ControlCommand command) {
        return broker.control(command).thenApply(replies ->
                replies.stream().mapToInt(r -> ((ControlReply.Connections) r).count()).sum());
    }

    /**
     * This node's id and uptime, every node's figures and the cluster's totals (see
     * {@link NodeInfo} for what each total means). Asks every node twice at once: for its
     * statistics and for its room names, so a room on several nodes counts once.
     */
    public CompletionStage<NodeInfo> info() {
        CompletableFuture<List<ControlReply>> stats = broker.control(new ControlCommand.Info()).toCompletableFuture();
        CompletableFuture<List<ControlReply>> rooms = broker.control(new ControlCommand.Rooms("")).toCompletableFuture();
        return stats.thenCombine(rooms, (statReplies, roomReplies) -> {
            List<NodeInfo.Member> members = new ArrayList<>();
            int clients = 0;
            int users = 0;
            long published = 0;
            long delivered = 0;
            for (ControlReply r : statReplies) {
                ControlReply.Stats s = (ControlReply.Stats) r;
                members.add(new NodeInfo.Member(s.nodeId(), Duration.ofMillis(s.uptimeMillis()), s.clients(), s.users(),
                        s.rooms(), s.publications(), s.deliveries()));
                clients += s.clients();
                users += s.users();
                published += s.publications();
                delivered += s.deliveries();
            }
            Set<String> names = new HashSet<>();
            for (ControlReply r : roomReplies) {
                names.addAll(((ControlReply.Rooms) r).rooms().keySet());
            }
            return new NodeInfo(nodeId, Duration.ofNanos(System.nanoTime() - startedNanos), clients, users,
                    names.size(), published, delivered, members);
        });
    }

    /** Acts on this node's connections for a command sent to every node. */
    @Override
    public ControlReply onControl(ControlCommand command) {
        if (command instanceof ControlCommand.SubscribeUser c) {
            int n = 0;
            for (Client client : List.copyOf(hub.clientsOf(c.userId()))) {
                if ((client.rooms().contains(c.room()) || client.rooms().size() < options.maxRoomsPerClient())
                        && joined(client, c.room())) {
                    n++;
                }
            }
            return new ControlReply.Connections(n);
        } else if (command instanceof ControlCommand.UnsubscribeUser c) {
            int n = 0;
            for (Client client : List.copyOf(hub.clientsOf(c.userId()))) {
                if (client.rooms().contains(c.room())) {
                    left(client, c.room());
                    n++;
                }
            }
            return new ControlReply.Connections(n);
        } else if (command instanceof ControlCommand.DisconnectUser c) {
            List<Client> all = List.copyOf(hub.clientsOf(c.userId()));
            for (Client client : all) {
                client.close(c.reconnect() ? Disconnect.FORCE_RECONNECT : Disconnect.DISCONNECTED);
            }
            return new ControlReply.Connections(all.size());
        } else if (command instanceof ControlCommand.Rooms c) {
            Map<String, Integer> out = new TreeMap<>();
            hub.roomSizes().forEach((name, n) -> {
                if (c.pattern().isEmpty() || RoomGrants.matches(c.pattern(), name)) {
                    out.put(name, n);
                }
            });
            return new ControlReply.Rooms(out);
        } else {
            return new ControlReply.Stats(nodeId, Duration.ofNanos(System.nanoTime() - startedNanos).toMillis(),
                    hub.clientCount(), hub.userCount(), hub.roomCount(), publications.sum(), deliveries.sum());
        }
    }

    /**
     * The broker's view of some streams may have a gap: every client that follows them is closed
     * with {@link Disconnect#STREAM_GAP}, so it reconnects and recovers from its last position
     * instead of missing notifications silently.
     */
    @Override
    public void onGap(Gap gap) {
        Collection<Client> affected = gap instanceof Gap.Stream g ? hub.membersOf(g.target()) : hub.clients();
        LOG.warning(() -> "possible gap (" + gap + "): closing " + affected.size() + " connection(s) with 4006");
        for (Client c : List.copyOf(affected)) {
            try {
                c.close(Disconnect.STREAM_GAP);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing " + c + " after a gap", e);
            }
        }
    }

    /** The broker lost its engine: not ready until {@link #onLinkRestored()}. */
    @Override
    public void onLinkLost(String why) {
        engineLinkLost(why);
    }

    @Override
    public void onLinkRestored() {
        engineLinkRestored();
    }

    /** Streams this node follows at the broker now; for tests. */
    int followedStreams() {
        return interests.size();
    }

    // ---- for metrics (read at scrape time) -------------------------------------------

    /** What this node counts. */
    public Stats stats() {
        return stats;
    }

    /** Connections open on this node now. */
    public int connectionCount() {
        return hub.clientCount();
    }

    /** Distinct users with a connection on this node now. */
    public int userCount() {
        return hub.userCount();
    }

    /** Rooms with a member on this node now. */
    public int roomCount() {
        return hub.roomCount();
    }

    /** Publications accepted since start (idempotent retries not counted again). */
    public long publicationCount() {
        return publications.sum();
    }

    /** Publications queued for a client since start (one per client reached). */
    public long deliveryCount() {
        return deliveries.sum();
    }

    /** The outbound backlog's counted bytes now, and the publishers' replies held back by it since start. */
    public long backlogBytes() {
        return backlog.bytes();
    }

    public long backlogWaits() {
        return backlog.waits();
    }

    /** Gives each open connection's queued bytes to {@code sink} (walks every connection: call rarely). */
    public void eachQueue(LongConsumer sink) {
        for (Client c : hub.clients()) {
            sink.accept(c.queuedBytes());
        }
    }

    /** Writer pool threads running a task now, and tasks waiting for one. */
    public int writersActive() {
        return writers instanceof java.util.concurrent.ThreadPoolExecutor t ? t.getActiveCount() : 0;
    }

    public int writersQueued() {
        return writers instanceof java.util.concurrent.ThreadPoolExecutor t ? t.getQueue().size() : 0;
    }

    public int writersSize() {
        return writers instanceof java.util.concurrent.ThreadPoolExecutor t ? t.getPoolSize() : 0;
    }

    /** This node's id. */
    public String nodeId() {
        return nodeId;
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
        try {
            presence.removeNode(nodeId);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "presence goodbye failed; the entries expire", e);
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
