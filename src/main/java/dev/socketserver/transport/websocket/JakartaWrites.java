package dev.socketserver.transport.websocket;

import dev.socketserver.message.Frame;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.Session;
import java.util.function.Consumer;

/**
 * The portable path: the Jakarta API only, one asynchronous send per frame (the API allows one
 * in progress per session). Used on containers without a shortcut, where a shortcut's lookup
 * failed, and everywhere with {@code WS_WRITE_PATH=portable}. Pings have only a blocking form
 * here.
 */
final class JakartaWrites extends FrameLoop {
    private final RemoteEndpoint.Async remote;
    private final String container;
    private final boolean forced;

    JakartaWrites(Session session, boolean forced) {
        this.remote = session.getAsyncRemote();
        this.container = session.getClass().getName();
        this.forced = forced;
    }

    @Override
    void send(Frame frame) {
        remote.sendText(frame.text(), this);
    }

    @Override
    void end(Consumer<Throwable> done) {
        done.accept(null);
    }

    @Override
    public boolean ping() {
        return false;
    }

    @Override
    public String describe() {
        return "Jakarta API (one async send per frame) on " + container + (forced ? " (WS_WRITE_PATH=portable)" : "");
    }
}
