package dev.socketserver.hub;

import dev.socketserver.message.Frame;
import dev.socketserver.message.Publication;
import dev.socketserver.message.Target;
import dev.socketserver.stats.Stats;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * This node's index of clients by id, user and room.
 *
 * <p>Concurrent and sharded: every index is a {@link ConcurrentHashMap} updated per key with
 * {@code compute}, so joins, leaves and fan-out for different rooms or users never contend on
 * one lock, and fan-out never waits on a socket ({@link Client#deliver} only queues). Fan-out
 * walks a cached array of the members ({@link Members}). A client that joins during a fan-out
 * may or may not receive that publication (at-most-once live delivery; recovery closes the gap).
 */
public final class Hub {
    private static final Client[] NO_CLIENTS = new Client[0];
    /** Idle clients one writer-pool task starts: big enough to make handing over cheap, small enough to spread a room over every writer. */
    static final int START_CHUNK = 32;

    private final Executor writers;
    private final Backlog backlog;
    private final Stats stats;

    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Members everyone = new Members();
    private final Map<String, Members> users = new ConcurrentHashMap<>();
    private final Map<String, Members> rooms = new ConcurrentHashMap<>();

    /**
     * @param writers starts the writes of a fan-out (idle clients, in chunks), so the publishing
     *                thread only queues
     * @param backlog the node's outbound backlog
     */
    public Hub(Executor writers, Backlog backlog) {
        this(writers, backlog, Stats.disabled());
    }

    /** @param stats counts its clients' writes and closes */
    public Hub(Executor writers, Backlog backlog, Stats stats) {
        this.writers = writers;
        this.backlog = backlog;
        this.stats = stats;
    }

    /** A new client of this node, sharing its writer pool and backlog. */
    public Client newClient(String id, String userId, Transport transport, long maxQueueBytes,
                            BiConsumer<Client, Disconnect> onClose) {
        return new Client(id, userId, transport, maxQueueBytes, writers, backlog, stats, onClose);
    }

    public void add(Client client) {
        clients.put(client.id(), client);
        everyone.add(client);
        addTo(users, client.userId(), client);
    }

    /** Drops the client from every index. Idempotent. */
    public void remove(Client client) {
        if (clients.remove(client.id(), client)) {
            everyone.remove(client);
            removeFrom(users, client.userId(), client);
        }
        for (String room : client.clearRooms()) {
            removeFrom(rooms, room, client);
        }
    }

    /**
     * @return true if the client joined the room now; false if it was already in it, or is
     *         closed (a closed client is never indexed)
     */
    public boolean join(Client client, String room) {
        if (client.isClosed() || !client.addRoom(room)) {
            return false;
        }
        addTo(rooms, room, client);
        if (client.isClosed()) {
            // Lost a race with remove(), which may have cleared the room before it was indexed:
            // undo both, so a dead client is not indexed.
            client.removeRoom(room);
            removeFrom(rooms, room, client);
            return false;
        }
        return true;
    }

    /** @return false if the client was not in the room */
    public boolean leave(Client client, String room) {
        if (!client.removeRoom(room)) {
            return false;
        }
        removeFrom(rooms, room, client);
        return true;
    }

    private static void addTo(Map<String, Members> index, String key, Client client) {
        index.compute(key, (k, m) -> {
            Members members = m != null ? m : new Members();
            members.add(client);
            return members;
        });
    }

    private static void removeFrom(Map<String, Members> index, String key, Client client) {
        index.computeIfPresent(key, (k, m) -> {
            m.remove(client);
            return m.isEmpty() ? null : m;
        });
    }

    /**
     * Hands a publication's frame to every client its target reaches on this node. Only queues:
     * the clients whose writer was idle are started on the writer pool, {@value #START_CHUNK} per
     * task, so a large room is written by every writer thread at once while the caller (which
     * may hold the stream's lock) never touches a socket.
     *
     * @return the number of clients reached
     */
    public int deliver(Publication publication, Frame frame) {
        Client[] to = recipients(publication.target());
        if (to.length == 0) {
            return 0;
        }
        Backlog.Tally growth = backlog.tally();
        Client[] starts = null;
        int n = 0;
        for (Client c : to) {
            if (c.deliver(publication, frame, growth)) {
                if (starts == null) {
                    starts = new Client[to.length];
                }
                starts[n++] = c;
            }
        }
        growth.commit();
        for (int from = 0; from < n; from += START_CHUNK) {
            Writers.execute(writers, new StartWriters(starts, from, Math.min(n, from + START_CHUNK)));
        }
        return to.length;
    }

    /** Starts the writers of a slice of a fan-out's idle clients. */
    private record StartWriters(Client[] clients, int from, int to) implements Runnable {
        @Override
        public void run() {
            for (int i = from; i < to; i++) {
                clients[i].drain();
            }
        }
    }

    private Client[] recipients(Target target) {
        Members m;
        if (target instanceof Target.Room r) {
            m = rooms.get(r.name());
        } else if (target instanceof Target.User u) {
            m = users.get(u.id());
        } else {
            m = everyone;
        }
        return m == null ? NO_CLIENTS : m.array();
    }

    /** The clients a publication to {@code target} reaches on this node now (a snapshot). */
    public Collection<Client> membersOf(Target target) {
        return List.of(recipients(target));
    }

    public Collection<Client> clients() {
        return Collections.unmodifiableCollection(clients.values());
    }

    /** The live clients of one user on this node. */
    public Collection<Client> clientsOf(String userId) {
        Members m = users.get(userId);
        return m == null ? Collections.emptySet() : m.view();
    }

    public int clientCount() {
        return clients.size();
    }

    public int userCount() {
        return users.size();
    }

    public int roomCount() {
        return rooms.size();
    }

    /** Rooms with at least one member on this node, with their member counts. */
    public Map<String, Integer> roomSizes() {
        Map<String, Integer> out = new TreeMap<>();
        rooms.forEach((name, members) -> {
            int n = members.size();
            if (n > 0) {
                out.put(name, n);
            }
        });
        return out;
    }
}
