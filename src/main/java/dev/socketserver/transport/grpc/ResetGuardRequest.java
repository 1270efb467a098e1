package dev.socketserver.transport.grpc;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The request grpc-servlet serves a call from: a call whose stream the client resets (it
 * cancelled the call, or its deadline expired) ends with one {@code AsyncContext.complete()},
 * made where the container expects it, and grpc-servlet's own later {@code complete()} is
 * dropped.
 *
 * <p>Why (Tomcat 11.0.24): a client's RST_STREAM makes Tomcat dispatch an error to the stream
 * ({@code Stream.StreamInputBuffer.receiveReset}), and {@code CoyoteAdapter.asyncDispatch(ERROR)}
 * first calls the request's {@code ReadListener.onError}, then marks the async request as failed
 * ({@code AsyncContextImpl.setErrorState}: {@code AsyncStateMachine.asyncError}, the
 * {@code AsyncListener}s' {@code onError}, and an error page and its own {@code complete()} if no
 * listener completed). grpc-servlet completes the request from its {@code ReadListener.onError}
 * (it cancels the call, which writes the trailers and completes), before Tomcat has marked it
 * failed: the request goes from STARTED to COMPLETING with a dispatch of its own, then back to
 * ERROR, and Tomcat completes it a second time; the stream's processor can then be recycled twice
 * (another stream later gets a request object still in use: HTTP 500 "Mapping was already done
 * on this request") or its state check fails ("Calling [asyncPostProcess()] is not valid for a
 * request with Async state [MUST_ERROR]"), which Tomcat treats as fatal to the whole HTTP/2
 * connection. Here grpc-servlet still hears of the reset at once (its listeners run unchanged,
 * so the call is cancelled), but the request is completed by this class's {@code AsyncListener}
 * in {@code onError}, where the Servlet specification has a listener complete a failed request,
 * and nothing else completes it. A reset that came while {@code service()} still ran (seen
 * by the error attribute Tomcat sets on the request) is handled the same way before
 * {@code service()} returns ({@link #afterService}). Jetty needs none of this and is not harmed
 * by it: completing in {@code onError} is what the specification asks for.
 */
final class ResetGuardRequest extends HttpServletRequestWrapper {
    private static final Logger LOG = Logger.getLogger(ResetGuardRequest.class.getName());

    private Guard guard;

    ResetGuardRequest(HttpServletRequest request) {
        super(request);
    }

    @Override
    public AsyncContext startAsync() {
        return guard(super.startAsync());
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        return guard(super.startAsync(request, response));
    }

    private AsyncContext guard(AsyncContext context) {
        Guard g = new Guard(context);
        context.addListener(g); // before grpc-servlet's listener: the request is completed first
        guard = g;
        return g;
    }

    @Override
    public AsyncContext getAsyncContext() {
        Guard g = guard;
        return g != null ? g : super.getAsyncContext();
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        ServletInputStream in = super.getInputStream();
        Guard g = guard;
        return g == null ? in : new GuardedInput(in, g);
    }

    /**
     * Call when {@code service()} is about to return: if the stream already failed (Tomcat sets
     * the error attribute when the client resets it), grpc-servlet is told and the request is
     * completed now; Tomcat's error dispatch, which runs after {@code service()} returns, then
     * finds it completed.
     */
    void afterService() {
        Guard g = guard;
        if (g != null && getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable t) {
            g.failed(t);
        }
    }

    /** The async context grpc-servlet is given, and the listener that completes a failed request. */
    private static final class Guard extends ForwardingAsyncContext implements AsyncListener {
        private volatile boolean failed;
        private volatile ReadListener readListener;

        Guard(AsyncContext context) {
            super(context);
        }

        /** The stream failed: from now on only this class completes the request. */
        void failing() {
            failed = true;
        }

        /** The stream failed during {@code service()}: cancel the call and complete. */
        void failed(Throwable t) {
            if (failed) {
                return;
            }
            failed = true;
            ReadListener l = readListener;
            if (l != null) {
                l.onError(t);
            }
            completeFailed();
        }

        private void completeFailed() {
            try {
                context.complete();
            } catch (IllegalStateException e) {
                LOG.log(Level.FINE, "failed gRPC request already completed", e);
            }
        }

        @Override
        public void onError(AsyncEvent event) {
            failed = true;
            completeFailed();
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }

        @Override
        public void complete() {
            if (failed) {
                LOG.fine("gRPC request failed: completed by its error listener");
                return;
            }
            context.complete();
        }
    }

    /** The request body; its read listener marks the request failed before grpc-servlet hears of an error. */
    private static final class GuardedInput extends ForwardingInputStream {
        private final Guard guard;

        GuardedInput(ServletInputStream in, Guard guard) {
            super(in);
            this.guard = guard;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            guard.readListener = listener;
            in.setReadListener(new ReadListener() {
                @Override
                public void onDataAvailable() throws IOException {
                    listener.onDataAvailable();
                }

                @Override
                public void onAllDataRead() throws IOException {
                    listener.onAllDataRead();
                }

                @Override
                public void onError(Throwable t) {
                    guard.failing();
                    listener.onError(t);
                }
            });
        }
    }
}
