package dev.socketserver.node;

import dev.socketserver.hub.Transport;
import dev.socketserver.message.Frame;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * A transport the test drives: records every frame and the close code; completes writes at once,
 * or holds them ({@link #holdWrites}) like a peer that stopped reading; runs {@link #onClose}
 * inside {@link #close}, so a test can stop a close at the moment the server makes it.
 */
final class TestTransport implements Transport {
    final List<String> frames = Collections.synchronizedList(new ArrayList<>());
    final ConcurrentLinkedQueue<Consumer<Throwable>> pending = new ConcurrentLinkedQueue<>();
    final CountDownLatch closed = new CountDownLatch(1);
    volatile Integer closedWith;
    volatile boolean holdWrites;
    volatile Runnable onClose = () -> { };

    static TestTransport holding() {
        TestTransport t = new TestTransport();
        t.holdWrites = true;
        return t;
    }

    @Override
    public void write(List<Frame> batch, Consumer<Throwable> done) {
        batch.forEach(f -> frames.add(f.text()));
        if (holdWrites) {
            pending.add(done);
        } else {
            done.accept(null);
        }
    }

    @Override
    public void ping() {
    }

    @Override
    public void close(int code, String reason) {
        closedWith = code;
        onClose.run();
        closed.countDown();
    }

    /**
     * Waits until there are as many frames as {@code fragments} (writes run on the writer pool),
     * then checks that each frame contains its fragment, in order.
     */
    void awaitFrames(String... fragments) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> frames.size() >= fragments.length);
        List<String> now = framesNow();
        org.junit.jupiter.api.Assertions.assertEquals(fragments.length, now.size(), now.toString());
        for (int i = 0; i < fragments.length; i++) {
            org.junit.jupiter.api.Assertions.assertTrue(now.get(i).contains(fragments[i]), now.get(i) + " lacks " + fragments[i]);
        }
    }

    /** The frames so far, as a copy. */
    List<String> framesNow() {
        synchronized (frames) {
            return List.copyOf(frames);
        }
    }
}
