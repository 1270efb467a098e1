package dev.socketserver.hub;

import dev.socketserver.message.Frame;
import dev.socketserver.message.Publication;
import dev.socketserver.message.Target;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's index of clients by id, user and room.
 *
 * <p>Concurrent and sharded: every index is a {@link ConcurrentHashMap}, updated per key with
 * {@code compute}, so joins, leaves and fan-out for different rooms or users never contend on
 * one lock and fan-out never waits on a socket ({@link Client#send} only queues). Fan-out
 * iterates weakly consistent views: a client that joins during a fan-out may or may not receive
 * that publication (at-most-once live delivery; recovery closes the gap).
 */
public final class Hub {
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Map<String, Set<Client>> users = new ConcurrentHashMap<>();
    private final Map<String, Set<Client>> rooms = new ConcurrentHashMap<>();

    public void add(Client client) {
        clients.put(client.id(), client);
        users.compute(client.userId(), (k, set) -> {
            Set<Client> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(client);
            return s;
        });
    }

    /** Drops the client from every index. Idempotent. */
    public void remove(Client client) {
        if (clients.remove(client.id(), client)) {
            removeFrom(users, client.userId(), client);
        }
        for (String room : client.rooms()) {
            removeFrom(rooms, room, client);
        }
        client.rooms().clear();
    }

    /** @return false if the client was already in the room */
    public boolean join(Client client, String room) {
        if (!client.rooms().add(room)) {
            return false;
        }
        rooms.compute(room, (k, set) -> {
            Set<Client> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(client);
            return s;
        });
        if (client.isClosed()) {
            // Lost a race with remove(): undo so a dead client is not indexed.
            leave(client, room);
        }
        return true;
    }

    /** @return false if the client was not in the room */
    public boolean leave(Client client, String room) {
        if (!client.rooms().remove(room)) {
            return false;
        }
        removeFrom(rooms, room, client);
        return true;
    }

    private static void removeFrom(Map<String, Set<Client>> index, String key, Client client) {
        index.computeIfPresent(key, (k, set) -> {
            set.remove(client);
            return set.isEmpty() ? null : set;
        });
    }

    /**
     * Hands a publication's frame to every client its target reaches on this node.
     *
     * @return the number of clients reached
     */
    public int deliver(Publication publication, Frame frame) {
        int n = 0;
        for (Client c : recipients(publication.target())) {
            c.deliver(publication, frame);
            n++;
        }
        return n;
    }

    Collection<Client> recipients(Target target) {
        if (target instanceof Target.Room r) {
            return orEmpty(rooms.get(r.name()));
        } else if (target instanceof Target.User u) {
            return orEmpty(users.get(u.id()));
        }
        return clients.values();
    }

    private static Collection<Client> orEmpty(Set<Client> set) {
        return set != null ? set : Collections.emptySet();
    }

    public Collection<Client> clients() {
        return Collections.unmodifiableCollection(clients.values());
    }

    /** The live clients of one user on this node. */
    public Collection<Client> clientsOf(String userId) {
        return Collections.unmodifiableCollection(orEmpty(users.get(userId)));
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

    /** Members of a room on this node. */
    public int roomSize(String room) {
        return orEmpty(rooms.get(room)).size();
    }

    /** Rooms with at least one member on this node, with their member counts. */
    public Map<String, Integer> roomSizes() {
        Map<String, Integer> out = new java.util.TreeMap<>();
        rooms.forEach((name, members) -> {
            int n = members.size();
            if (n > 0) {
                out.put(name, n);
            }
        });
        return out;
    }
}
