package dev.socketserver.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * {@code HANDSHAKE_TIMEOUT} as a deadline for a whole HTTP/1 request head (request line and
 * headers, so a WebSocket handshake too): a connection whose head is still incomplete that long
 * after its first byte was seen is closed. Jetty's idle timeout restarts with every byte, so a
 * client sending one header byte per idle period would otherwise keep its socket for ever; Jetty
 * 12 has no setting for a head deadline, so the launcher watches each connection.
 *
 * <p>Each HTTP/1 connection is looked at every quarter of the deadline (so a head is cut between
 * the deadline and 1.5 times it after its first byte) until it is closed or upgraded (WebSocket, h2c), after which it
 * carries no more request heads. The parser's state is read from the scheduler's thread; a stale
 * read can only delay the cut by one look. Reads Jetty's internal {@code HttpConnection}: launcher
 * code, tied to the Jetty version the build uses.
 */
final class RequestHeadDeadline implements Connection.Listener {
    private final Scheduler scheduler;
    private final long deadlineNanos;
    private final long lookMillis;

    RequestHeadDeadline(Scheduler scheduler, Duration deadline) {
        this.scheduler = scheduler;
        this.deadlineNanos = deadline.toNanos();
        this.lookMillis = Math.max(1, deadline.toMillis() / 4);
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) {
            new Watch(http).next();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        // a watch ends at its next look
    }

    /** One connection's watch: when the head in progress was first seen, and how many heads had completed then. */
    private final class Watch implements Runnable {
        private final HttpConnection http;
        private long headSeenNanos = -1;
        private long headsDone = -1;

        Watch(HttpConnection http) {
            this.http = http;
        }

        void next() {
            scheduler.schedule(this, lookMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void run() {
            EndPoint endPoint = http.getEndPoint();
            if (!endPoint.isOpen() || endPoint.getConnection() != http) {
                return;
            }
            HttpParser parser = http.getParser();
            boolean inHead = parser.inHeaderState() && !parser.isStart();
            long done = http.getMessagesIn();
            long now = System.nanoTime();
            if (!inHead || done != headsDone || headSeenNanos < 0) {
                headSeenNanos = inHead ? now : -1;
                headsDone = done;
            } else if (now - headSeenNanos >= deadlineNanos) {
                endPoint.close();
                return;
            }
            next();
        }
    }
}
