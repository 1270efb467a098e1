package dev.socketserver.hub;

import java.util.Collection;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A set of clients with a cached array for fan-out: iterating a plain array is several times
 * cheaper than iterating a concurrent set, and membership changes far less often than
 * publications arrive. A change bumps the version; the next fan-out rebuilds the array once.
 * A fan-out that overlaps a change may or may not include the changed client (as with any
 * concurrent set); every fan-out that starts after a change has returned sees it.
 */
final class Members {
    private static final Client[] NONE = new Client[0];

    private record Snapshot(long version, Client[] clients) {
    }

    private final Set<Client> set = ConcurrentHashMap.newKeySet();
    private final AtomicLong version = new AtomicLong();
    private volatile Snapshot snapshot = new Snapshot(0, NONE);

    boolean add(Client c) {
        boolean added = set.add(c);
        if (added) {
            version.incrementAndGet();
        }
        return added;
    }

    boolean remove(Client c) {
        boolean removed = set.remove(c);
        if (removed) {
            version.incrementAndGet();
        }
        return removed;
    }

    boolean isEmpty() {
        return set.isEmpty();
    }

    int size() {
        return set.size();
    }

    Collection<Client> view() {
        return Collections.unmodifiableSet(set);
    }

    /** The members as an array; do not modify it. */
    Client[] array() {
        long v = version.get();
        Snapshot s = snapshot;
        if (s.version() == v) {
            return s.clients();
        }
        // Read the version before the set: a change racing this copy leaves a stale version
        // behind, so the next call rebuilds again instead of keeping a stale array.
        Client[] a = set.toArray(NONE);
        snapshot = new Snapshot(v, a);
        return a;
    }
}
