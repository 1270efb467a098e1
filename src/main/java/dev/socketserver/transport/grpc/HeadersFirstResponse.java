package dev.socketserver.transport.grpc;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The response grpc-servlet writes a call to: makes every gRPC response send its headers and
 * its status separately, so no call ends with a "trailers-only" response.
 *
 * <p>Why: a call that ends before its first response message (every error status: the
 * application's, the interceptors', and those grpc-servlet itself produces, such as an unknown
 * method or a message over {@code maxInboundMessageSize}) is written by grpc-servlet as
 * response headers that carry {@code grpc-status}, then completed. Jetty sends that as one
 * HEADERS frame with END_STREAM, as gRPC requires. Tomcat sends the HEADERS frame, then an empty
 * DATA frame with END_STREAM, and gRPC clients then discard the status and report INTERNAL
 * (grpc-java issue 10124). Moving the status into the trailers gives HEADERS (status 200,
 * content type), then the trailers with END_STREAM: valid gRPC on every container.
 *
 * <p>A unary call's response (one message) is also written at once: grpc-servlet flushes after
 * the headers and after the message, then completes the call with the trailers, which costs
 * three writes to the connection (three HTTP/2 passes, three system calls) for every call. For a
 * unary call, {@link #flushBuffer} only releases the held headers; the container sends headers,
 * message and trailers together when the call completes (Jetty in one write). A response
 * larger than the container's buffer still goes out as it is written. Streaming calls (health
 * watch, reflection) flush as grpc-servlet asks.
 *
 * <p>Contract: headers added before {@link #setTrailerFields} are held back until then, and
 * reach the client as headers (grpc-servlet's ordinary response: headers, trailer supplier,
 * messages, trailers). When {@code grpc-status} is added before any trailer supplier was set,
 * the held headers and every header added after it become the trailers (so status details
 * stay in the trailers, where clients look for them). No synchronisation of its own, like the
 * container's response it wraps: grpc-servlet writes one call's headers and trailers in turn.
 */
final class HeadersFirstResponse extends HttpServletResponseWrapper {
    private static final String GRPC_STATUS = "grpc-status";

    /** Headers added before we know whether they are headers or trailers; null while none. */
    private List<String[]> held;
    /** Set once a status came before any trailer supplier: everything added now is a trailer. */
    private Map<String, String> trailers;
    private boolean trailersSupplied;
    /** A unary call: flushes wait for the completion. */
    private final boolean oneMessage;

    /** @param oneMessage whether the call is unary (its response is one message) */
    HeadersFirstResponse(HttpServletResponse response, boolean oneMessage) {
        super(response);
        this.oneMessage = oneMessage;
    }

    @Override
    public void addHeader(String name, String value) {
        if (trailers != null) {
            addTrailer(name, value);
        } else if (trailersSupplied) {
            super.addHeader(name, value);
        } else if (GRPC_STATUS.equalsIgnoreCase(name)) {
            trailers = new LinkedHashMap<>();
            if (held != null) {
                held.forEach(h -> addTrailer(h[0], h[1]));
                held = null;
            }
            addTrailer(name, value);
            Map<String, String> fields = trailers;
            super.setTrailerFields(() -> fields);
        } else {
            if (held == null) {
                held = new ArrayList<>(4);
            }
            held.add(new String[] {name, value});
        }
    }

    private void addTrailer(String name, String value) {
        trailers.merge(name, value, (first, next) -> first + "," + next);
    }

    @Override
    public void setTrailerFields(Supplier<Map<String, String>> supplier) {
        releaseHeld();
        trailersSupplied = true;
        super.setTrailerFields(supplier);
    }

    @Override
    public void flushBuffer() throws IOException {
        releaseHeld();
        if (!oneMessage) {
            super.flushBuffer();
        }
    }

    private void releaseHeld() {
        if (held != null) {
            held.forEach(h -> super.addHeader(h[0], h[1]));
            held = null;
        }
    }
}
