package dev.socketserver.node;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerEventHandler;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.hub.Client;
import dev.socketserver.hub.Disconnect;
import dev.socketserver.hub.Heartbeat;
import dev.socketserver.hub.Hub;
import dev.socketserver.hub.Transport;
import dev.socketserver.message.Notification;
import dev.socketserver.message.NotificationFrames;
import dev.socketserver.message.Publication;
import dev.socketserver.message.RoomNames;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What transports call. Every publication takes one path:
 * {@code publish -> Broker.publish -> Node.onPublication -> Hub -> Client queues}.
 *
 * <p>Thread-safe. Publishing returns once the broker accepted the publication; it never waits
 * on a socket.
 */
public final class Node implements BrokerEventHandler, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Node.class.getName());

    private final NodeOptions options;
    private final Broker broker;
    private final Hub hub = new Hub();
    private final ScheduledExecutorService scheduler;
    private final Heartbeat heartbeat;
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean draining;

    public Node(NodeOptions options, Broker broker) {
        this.options = Objects.requireNonNull(options, "options");
        this.broker = Objects.requireNonNull(broker, "broker");
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

    public Hub hub() {
        return hub;
    }

    /** Accepts a publication; completes with its position ({@code null} without history). */
    public CompletionStage<StreamPosition> publish(Target target, Notification notification) {
        if (target instanceof Target.Room r) {
            RoomNames.validate(r.name());
        } else if (target instanceof Target.User u && u.id().isEmpty()) {
            throw ServerException.badRequest("userId must not be empty");
        }
        return broker.publish(target, notification);
    }

    @Override
    public void onPublication(Publication publication) {
        hub.deliver(publication.target(), NotificationFrames.render(publication));
    }

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
     * Registers a new connection of {@code userId}. The node-wide limit is exact; the per-user
     * limit may be overshot by handshakes of the same user that race each other.
     *
     * @throws ServerException as {@link #checkAdmission}
     */
    public Client connect(String userId, Transport transport) {
        checkAdmission(userId);
        if (connections.incrementAndGet() > options.maxConnections()) {
            connections.decrementAndGet();
            throw new ServerException(ErrorCode.LIMIT_EXCEEDED, "this node is at its connection limit");
        }
        Client client = new Client(UUID.randomUUID().toString(), userId, transport,
                options.clientQueueMaxBytes(), (c, why) -> {
                    hub.remove(c);
                    connections.decrementAndGet();
                });
        hub.add(client);
        if (draining) {
            // Raced with close(): do not leave a client that close() did not see.
            client.close(Disconnect.GOING_AWAY);
        }
        return client;
    }

    /**
     * Subscribes a client to a room. Idempotent.
     *
     * @throws ServerException {@code bad_request} for an invalid name, {@code limit_exceeded}
     *                         over {@code maxRoomsPerClient}
     */
    public void enter(Client client, String room) {
        RoomNames.validate(room);
        if (!client.rooms().contains(room) && client.rooms().size() >= options.maxRoomsPerClient()) {
            throw new ServerException(ErrorCode.LIMIT_EXCEEDED,
                    "a connection may be in at most " + options.maxRoomsPerClient() + " rooms");
        }
        hub.join(client, room);
    }

    /** Unsubscribes a client from a room. Idempotent. */
    public void leave(Client client, String room) {
        RoomNames.validate(room);
        hub.leave(client, room);
    }

    public boolean isDraining() {
        return draining;
    }

    /** Stops accepting connections; existing ones keep working until {@link #close()}. */
    public void startDraining() {
        draining = true;
    }

    /** Closes every connection with 1001 and stops the node's timers and broker. */
    @Override
    public void close() {
        draining = true;
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
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info(() -> "node closed; " + all.size() + " connection(s) closed with 1001");
    }

}
