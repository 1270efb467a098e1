package dev.socketserver.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that moves only when the test says; it can be told to fail its next reading. */
public final class ManualClock extends Clock {
    private final AtomicLong millis = new AtomicLong(1_000_000_000_000L);
    private final AtomicReference<RuntimeException> failNext = new AtomicReference<>();

    public void advance(Duration d) {
        millis.addAndGet(d.toMillis());
    }

    /** The next reading throws {@code e} (once). */
    public void failNextReading(RuntimeException e) {
        failNext.set(e);
    }

    @Override
    public long millis() {
        RuntimeException e = failNext.getAndSet(null);
        if (e != null) {
            throw e;
        }
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
