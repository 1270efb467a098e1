package dev.socketserver.broker.memory;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.socketserver.broker.Broker;
import dev.socketserver.broker.BrokerContract;
import dev.socketserver.broker.HistoryQuery;
import dev.socketserver.broker.PublishOptions;
import dev.socketserver.broker.HistoryResult;
import dev.socketserver.message.StreamPosition;
import dev.socketserver.message.Target;
import dev.socketserver.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MemoryBrokerTest extends BrokerContract {
    private final ManualClock clock = new ManualClock();
    private MemoryEngine engine;

    @Override
    protected Broker newBroker() {
        engine = new MemoryEngine(MemoryBroker.Limits.defaults(), clock);
        return new MemoryBroker(engine);
    }

    @Override
    protected Broker secondNode() {
        return new MemoryBroker(engine);
    }

    @org.junit.jupiter.api.AfterEach
    void closeEngine() {
        engine.close();
    }

    @Override
    protected void passTime(Duration d) {
        clock.advance(d);
        memory().sweep();
    }

    @Override
    protected Duration positionTtl() {
        return MemoryBroker.Limits.defaults().positionTtl();
    }

    private MemoryBroker memory() {
        return (MemoryBroker) broker;
    }

    /** Defect 7: reading the position of streams that do not exist (every enter does) keeps nothing. */
    @Test
    void historyReadsOfUnknownStreamsKeepNoState() {
        for (int i = 0; i < 1000; i++) {
            join(broker.history(Target.room("never-published-" + i), new HistoryQuery(null, 0, false)));
        }
        assertEquals(0, memory().historyStreams());
    }

    /**
     * Defect 7: every PrivateNotify to an offline user kept a stream; the number of streams is
     * bounded, the least recently published going first.
     */
    @Test
    void theNumberOfStreamsIsBounded() {
        int max = MemoryBroker.Limits.defaults().maxStreams();
        for (int i = 0; i <= max + 500; i++) {
            join(broker.publish(Target.user("offline-" + i), note("n"), history(100)));
        }
        assertTrue(memory().historyStreams() <= max, memory().historyStreams() + " streams");
        Target newest = Target.user("offline-" + (max + 500));
        assertEquals(1, join(broker.history(newest, new HistoryQuery(null, 10, false))).publications().size());
    }

    /** Defect 7: idempotency keys are bounded over all streams; the newest are kept. */
    @Test
    void idempotencyKeysAreBounded() {
        int max = MemoryBroker.Limits.defaults().maxKeys();
        Target t = room();
        for (int i = 0; i <= max + 500; i++) {
            join(broker.publish(t, note("k"), new PublishOptions(0, Duration.ZERO, "key-" + i, Duration.ofMinutes(5))));
        }
        assertTrue(memory().keyCount() <= max, memory().keyCount() + " keys");
        PublishOptions newest = new PublishOptions(0, Duration.ZERO, "key-" + (max + 500), Duration.ofMinutes(5));
        assertTrue(join(broker.publish(t, note("k"), newest)).duplicate(), "the newest key is remembered");
        assertFalse(join(broker.publish(t, note("k"),
                new PublishOptions(0, Duration.ZERO, "key-0", Duration.ofMinutes(5)))).duplicate(), "the oldest was forgotten");
    }

    private static MemoryBroker withClock(ManualClock clock, int maxStreams) {
        MemoryBroker b = new MemoryBroker(new MemoryBroker.Limits(maxStreams, 1000, Duration.ofHours(1)), clock);
        b.start(new dev.socketserver.broker.RecordingNode("only"));
        return b;
    }

    /** Defect 8: one failing sweep does not stop the sweeping (a scheduled task that throws is never run again). */
    @Test
    void aFailingSweepDoesNotStopLaterSweeps() {
        ManualClock clock = new ManualClock();
        MemoryBroker b = withClock(clock, 100);
        try {
            join(b.publish(room(), note("a"), new PublishOptions(10, Duration.ofMinutes(1), null, Duration.ofMinutes(1))));
            clock.advance(Duration.ofHours(2));
            clock.failNextReading(new IllegalStateException("clock broke"));
            assertDoesNotThrow(b::sweep);
            assertEquals(1, b.historyStreams());
            b.sweep();
            assertEquals(0, b.historyStreams());
        } finally {
            b.close();
        }
    }

    /** A quiet stream keeps its position after its entries expired, for the position TTL; then a new epoch. */
    @Test
    void aStreamsPositionOutlivesItsEntries() {
        ManualClock clock = new ManualClock();
        MemoryBroker b = withClock(clock, 100);
        try {
            Target t = room();
            PublishOptions minute = new PublishOptions(10, Duration.ofMinutes(1), null, Duration.ofMinutes(1));
            StreamPosition last = null;
            for (int i = 0; i < 3; i++) {
                last = join(b.publish(t, note("n" + i), minute)).position();
            }
            clock.advance(Duration.ofMinutes(30));
            b.sweep();
            HistoryResult quiet = join(b.history(t, new HistoryQuery(last, 10, false)));
            assertEquals(last, quiet.position(), "the epoch and offset are kept");
            assertTrue(quiet.publications().isEmpty());
            assertEquals(last.offset() + 1, quiet.oldestOffset());
            clock.advance(Duration.ofMinutes(31));
            b.sweep();
            assertEquals(0, b.historyStreams());
            StreamPosition again = join(b.publish(t, note("again"), minute)).position();
            assertEquals(1, again.offset());
            assertNotEquals(last.epoch(), again.epoch(), "a stream begun again never reuses an epoch");
        } finally {
            b.close();
        }
    }

    /** A stream dropped at the bound begins again under an epoch it never had. */
    @Test
    void aStreamDroppedAtTheBoundComesBackWithANewEpoch() {
        ManualClock clock = new ManualClock();
        MemoryBroker b = withClock(clock, 2);
        try {
            PublishOptions keep = new PublishOptions(10, Duration.ofMinutes(1), null, Duration.ofMinutes(1));
            Target first = room();
            StreamPosition before = join(b.publish(first, note("x"), keep)).position();
            clock.advance(Duration.ofSeconds(1));
            join(b.publish(room(), note("y"), keep));
            clock.advance(Duration.ofSeconds(1));
            join(b.publish(room(), note("z"), keep));
            assertEquals(2, b.historyStreams());
            HistoryResult gone = join(b.history(first, new HistoryQuery(before, 10, false)));
            assertEquals(0, gone.position().offset(), "the least recently published stream was dropped");
            StreamPosition after = join(b.publish(first, note("x2"), keep)).position();
            assertEquals(1, after.offset());
            assertNotEquals(before.epoch(), after.epoch());
        } finally {
            b.close();
        }
    }
}
