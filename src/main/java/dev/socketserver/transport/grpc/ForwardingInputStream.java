package dev.socketserver.transport.grpc;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.IOException;

/**
 * A request body that passes every call to the container's; the request wrappers around
 * grpc-servlet override only {@link #setReadListener} to hear of the upload's end or failure.
 */
abstract class ForwardingInputStream extends ServletInputStream {
    /** The container's request body. */
    final ServletInputStream in;

    ForwardingInputStream(ServletInputStream in) {
        this.in = in;
    }

    @Override
    public void setReadListener(ReadListener listener) {
        in.setReadListener(listener);
    }

    @Override
    public boolean isFinished() {
        return in.isFinished();
    }

    @Override
    public boolean isReady() {
        return in.isReady();
    }

    @Override
    public int read() throws IOException {
        return in.read();
    }

    @Override
    public int read(byte[] b) throws IOException {
        return in.read(b);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
    }

    @Override
    public int readLine(byte[] b, int off, int len) throws IOException {
        return in.readLine(b, off, len);
    }

    @Override
    public int available() throws IOException {
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
