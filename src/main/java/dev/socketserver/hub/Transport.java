package dev.socketserver.hub;

import dev.socketserver.message.Frame;
import java.util.List;
import java.util.function.Consumer;

/**
 * The socket under a {@link Client}. Implemented by each transport (the WebSocket endpoint
 * adapts a {@code jakarta.websocket.Session}).
 *
 * <p>Contract: {@link Client} makes at most one {@link #write} call at a time and waits for its
 * callback before the next. Implementations send the frames in order, one text frame each, and
 * call {@code done} exactly once (with {@code null} on success), possibly on the calling thread.
 * {@link #close} and {@link #ping} may be called from any thread, also while a write is pending,
 * and must not block the caller (a stalled peer must never stall a publisher).
 */
public interface Transport {

    void write(List<Frame> frames, Consumer<Throwable> done);

    /** Sends a ping control frame; the transport reports the pong through {@link Client#onPong()}. */
    void ping();

    void close(int code, String reason);
}
