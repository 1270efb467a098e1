package dev.socketserver.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Members} in both of its shapes and across the switch from small to large. */
class MembersTest {

    private static List<Client> clients(int n) {
        List<Client> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Client("c" + i, "u", new ClientTest.ControlledTransport(), 1 << 20, (c, why) -> { }));
        }
        return out;
    }

    private static Set<Client> arrayAsSet(Members m) {
        return new HashSet<>(List.of(m.array()));
    }

    @Test
    void addRemoveAndDuplicatesAtEverySizeAcrossTheSwitch() {
        Members m = new Members();
        List<Client> cs = clients(Members.SMALL * 3);
        Set<Client> expected = new HashSet<>();
        for (Client c : cs) {
            assertTrue(m.add(c));
            assertFalse(m.add(c), "a second add of the same client");
            expected.add(c);
            assertEquals(expected.size(), m.size());
            assertEquals(expected, arrayAsSet(m));
            assertEquals(expected, new HashSet<>(m.view()));
        }
        for (Client c : cs) {
            assertTrue(m.remove(c));
            assertFalse(m.remove(c), "a second remove");
            expected.remove(c);
            assertEquals(expected, arrayAsSet(m));
            assertEquals(expected.size(), m.array().length);
        }
        assertTrue(m.isEmpty());
        assertEquals(0, m.array().length);
    }

    @Test
    void concurrentAddsAndRemovesLoseNobody() throws Exception {
        Members m = new Members();
        List<Client> stay = clients(200);
        List<Client> leave = clients(200);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int part = t;
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = part; i < stay.size(); i += 4) {
                        m.add(stay.get(i));
                        m.add(leave.get(i));
                        m.array(); // fan-outs racing the changes
                        m.remove(leave.get(i));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(new HashSet<>(stay), arrayAsSet(m));
        assertEquals(stay.size(), m.size());
    }
}
