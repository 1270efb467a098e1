package dev.socketserver.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UserSlotsTest {
    @Test
    void concurrentTakersGetExactlyTheLimit() throws Exception {
        UserSlots slots = new UserSlots(5);
        ExecutorService pool = Executors.newFixedThreadPool(40);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> takes = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                takes.add(pool.submit(() -> {
                    go.await();
                    return slots.tryTake("alice");
                }));
            }
            go.countDown();
            int taken = 0;
            for (Future<Boolean> f : takes) {
                taken += f.get(10, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(5, taken);
            assertEquals(5, slots.held("alice"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void releasedSlotsCanBeTakenAgainAndUsersAreCountedApart() {
        UserSlots slots = new UserSlots(2);
        assertTrue(slots.tryTake("a"));
        assertTrue(slots.tryTake("a"));
        assertFalse(slots.tryTake("a"));
        assertTrue(slots.tryTake("b"));
        slots.release("a");
        assertEquals(1, slots.held("a"));
        assertTrue(slots.tryTake("a"));
        slots.release("a");
        slots.release("a");
        assertEquals(0, slots.held("a"));
        slots.release("a"); // nothing held: no negative count
        assertEquals(0, slots.held("a"));
        assertTrue(slots.tryTake("a"));
        assertTrue(slots.tryTake("a"));
        assertFalse(slots.tryTake("a"));
    }
}
