package dev.socketserver.transport.grpc;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The request grpc-servlet reads a call from: when grpc-servlet completes a call while the client
 * is still uploading its request (a message over {@code maxInboundMessageSize} is refused as soon
 * as its length prefix arrives), the completion waits until the upload ended, at most
 * {@link #UPLOAD_GRACE}.
 *
 * <p>Why: completing with request content unread makes Jetty 12 reset the stream with CANCEL
 * right after the status (HttpStreamOverHTTP2.succeeded()), and gRPC's C core then often reports
 * that reset ({@code CANCELLED: Received RST_STREAM with error code 8}) instead of the status the
 * call ended with. grpc-servlet keeps reading (and discarding) the rest of the request after the
 * call closed, so waiting for its end is enough. Every method is unary: the client ends its upload
 * with its one request, so ordinary calls complete at once; the grace bounds what a client that
 * keeps sending (or keeps a stream open without sending) can hold, after which the call completes
 * as before.
 */
final class UploadAwareRequest extends HttpServletRequestWrapper {
    /** The longest a completion waits for the client's upload to end. */
    static final Duration UPLOAD_GRACE = Duration.ofSeconds(2);

    private final ScheduledExecutorService scheduler;
    /** 0 = upload open and not completing; 1 = upload ended; 2 = completion waiting; 3 = completed. */
    private final AtomicInteger state = new AtomicInteger();
    private UploadInput input;
    private AsyncContext async;

    UploadAwareRequest(HttpServletRequest request, ScheduledExecutorService scheduler) {
        super(request);
        this.scheduler = scheduler;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        if (input == null) {
            input = new UploadInput(super.getInputStream());
        }
        return input;
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        async = super.startAsync(request, response);
        return new CompletionAfterUpload(async);
    }

    /** The upload ended (all read, or failed): a waiting completion proceeds. */
    private void uploadEnded() {
        int s = state.get();
        while (s == 0 && !state.compareAndSet(0, 1)) {
            s = state.get();
        }
        if (s == 2 && state.compareAndSet(2, 3)) {
            completeNow(async);
        }
    }

    /** grpc-servlet completes the call: now if the upload ended, else once it does (bounded). */
    private void complete(AsyncContext context) {
        if (state.compareAndSet(0, 2)) {
            try {
                scheduler.schedule(() -> {
                    if (state.compareAndSet(2, 3)) {
                        completeNow(context);
                    }
                }, UPLOAD_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                if (state.compareAndSet(2, 3)) {
                    context.complete();
                }
            }
        } else if (state.compareAndSet(1, 3)) {
            context.complete();
        }
    }

    /** A completion that waited: the container may have ended the request meanwhile. */
    private static void completeNow(AsyncContext context) {
        try {
            context.complete();
        } catch (IllegalStateException alreadyEnded) {
            // the container completed or recycled the request itself (e.g. the client reset it)
        }
    }

    private final class UploadInput extends ForwardingInputStream {
        UploadInput(ServletInputStream in) {
            super(in);
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(new ReadListener() {
                @Override
                public void onDataAvailable() throws IOException {
                    listener.onDataAvailable();
                }

                @Override
                public void onAllDataRead() throws IOException {
                    try {
                        listener.onAllDataRead();
                    } finally {
                        uploadEnded();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    try {
                        listener.onError(t);
                    } finally {
                        uploadEnded();
                    }
                }
            });
        }
    }

    /** The container's async context, except that {@link #complete()} may wait for the upload. */
    private final class CompletionAfterUpload extends ForwardingAsyncContext {
        CompletionAfterUpload(AsyncContext context) {
            super(context);
        }

        @Override
        public void complete() {
            UploadAwareRequest.this.complete(context);
        }
    }
}
