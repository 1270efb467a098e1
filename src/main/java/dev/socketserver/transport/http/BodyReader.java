package dev.socketserver.transport.http;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads one request body with servlet non-blocking I/O, so a client that sends it slowly holds
 * no container thread: bytes are taken only when the container says they are there. Exactly one
 * {@link Outcome} method is called, once: the whole body, over the size bound, past the
 * deadline, or a read failure. After an outcome the rest of the body is left unread (the answer
 * should close the connection).
 */
final class BodyReader implements ReadListener {
    /** What became of the body; called on a container thread, or the deadline timer's thread for {@link #tooSlow()}. */
    interface Outcome {
        void body(byte[] body);

        void tooLarge();

        void tooSlow();

        void failed(Throwable t);
    }

    private final ServletInputStream in;
    private final int maxBytes;
    private final Outcome outcome;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final byte[] chunk = new byte[8192];
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile ScheduledFuture<?> deadline;

    private BodyReader(ServletInputStream in, int maxBytes, Outcome outcome) {
        this.in = in;
        this.maxBytes = maxBytes;
        this.outcome = outcome;
    }

    /** Starts reading {@code in} (of a request in async mode); the outcome comes later. */
    static void read(ServletInputStream in, int maxBytes, Duration timeout, ScheduledExecutorService timer, Outcome outcome) {
        BodyReader reader = new BodyReader(in, maxBytes, outcome);
        reader.deadline = timer.schedule(() -> reader.settle(outcome::tooSlow), timeout.toMillis(), TimeUnit.MILLISECONDS);
        in.setReadListener(reader);
    }

    @Override
    public void onDataAvailable() throws IOException {
        while (!settled.get() && in.isReady()) {
            int n = in.read(chunk);
            if (n < 0) {
                return; // onAllDataRead follows
            }
            if (body.size() + n > maxBytes) {
                settle(outcome::tooLarge);
                return;
            }
            body.write(chunk, 0, n);
        }
    }

    @Override
    public void onAllDataRead() {
        settle(() -> outcome.body(body.toByteArray()));
    }

    @Override
    public void onError(Throwable t) {
        settle(() -> outcome.failed(t));
    }

    private void settle(Runnable action) {
        if (settled.compareAndSet(false, true)) {
            ScheduledFuture<?> d = deadline;
            if (d != null) {
                d.cancel(false);
            }
            action.run();
        }
    }
}
