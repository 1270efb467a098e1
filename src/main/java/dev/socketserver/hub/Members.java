package dev.socketserver.hub;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A set of clients with an array for fan-out: iterating a plain array is several times cheaper
 * than iterating a concurrent set, and membership changes far less often than publications
 * arrive. Thread-safe. A fan-out that overlaps a change may or may not include the changed
 * client (as with any concurrent set); every fan-out that starts after a change has returned
 * sees it.
 *
 * <p>Two shapes, because most sets are tiny (one user's connections: usually one) and some are
 * huge (a busy room, everyone). Up to {@value #SMALL} members the array is the set, copied on
 * every change under this object's monitor: about 50 bytes for one member instead of ~300 for
 * a concurrent set with its cached array, which matters at a set per idle connection. Past that
 * a concurrent set takes over for good (a copy per change would make a join storm quadratic),
 * and a change bumps a version so the next fan-out rebuilds the array once.
 */
final class Members {
    static final int SMALL = 8;
    private static final Client[] NONE = new Client[0];

    /** The members while there are few; unused once {@link #large} is set. */
    private volatile Client[] small = NONE;
    private volatile Large large;

    boolean add(Client c) {
        Large l = large;
        if (l == null) {
            synchronized (this) {
                if ((l = large) == null) {
                    return addSmall(c);
                }
            }
        }
        return l.add(c);
    }

    boolean remove(Client c) {
        Large l = large;
        if (l == null) {
            synchronized (this) {
                if ((l = large) == null) {
                    return removeSmall(c);
                }
            }
        }
        return l.remove(c);
    }

    /** Holding this object's monitor, in the small shape. */
    private boolean addSmall(Client c) {
        Client[] a = small;
        if (indexOf(a, c) >= 0) {
            return false;
        }
        if (a.length == SMALL) {
            Large grown = new Large(a);
            grown.add(c);
            large = grown;
            small = NONE;
            return true;
        }
        Client[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = c;
        small = b;
        return true;
    }

    /** Holding this object's monitor, in the small shape. */
    private boolean removeSmall(Client c) {
        Client[] a = small;
        int i = indexOf(a, c);
        if (i < 0) {
            return false;
        }
        Client[] b = a.length == 1 ? NONE : new Client[a.length - 1];
        System.arraycopy(a, 0, b, 0, i);
        System.arraycopy(a, i + 1, b, i, a.length - i - 1);
        small = b;
        return true;
    }

    boolean isEmpty() {
        return size() == 0;
    }

    int size() {
        Large l = large;
        return l != null ? l.set.size() : small.length;
    }

    Collection<Client> view() {
        Large l = large;
        return l != null ? Collections.unmodifiableSet(l.set) : Collections.unmodifiableList(Arrays.asList(small));
    }

    /** The members as an array; do not modify it. */
    Client[] array() {
        Large l = large;
        return l != null ? l.array() : small;
    }

    private static int indexOf(Client[] a, Client c) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** The shape past {@value #SMALL} members: a concurrent set and a cached array. */
    private static final class Large {
        private record Snapshot(long version, Client[] clients) {
        }

        final Set<Client> set = ConcurrentHashMap.newKeySet();
        private final AtomicLong version = new AtomicLong();
        private volatile Snapshot snapshot = new Snapshot(-1, NONE);

        Large(Client[] members) {
            set.addAll(Arrays.asList(members));
        }

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
}
