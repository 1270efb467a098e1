package dev.socketserver.transport.http;

import dev.socketserver.error.ErrorCode;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Every HTTP error response of the server, the backend API's and the WebSocket handshake's
 * refusals alike: a status and the JSON body {@code {"error":{"code":...,"message":...}}}, bound
 * by JSON-B from {@link Body}. Errors are rare, so binding them costs nothing that matters;
 * notifications and command replies, sent all the time, are written by hand.
 */
public final class HttpErrors {
    /** Thread-safe; made on the first error, so a server that never refuses never loads the binder. */
    private static final class Binder {
        static final Jsonb JSONB = JsonbBuilder.create();
    }

    /** The body of an error response. */
    public record Body(Detail error) {
    }

    /** {@code code}: an {@link ErrorCode#wire()} word; {@code message}: for people. */
    public record Detail(String code, String message) {
    }

    private HttpErrors() {
    }

    /** {@code {"error":{"code":"bad_request","message":"..."}}}. */
    public static String json(ErrorCode code, String message) {
        return Binder.JSONB.toJson(new Body(new Detail(code.wire(), message)));
    }

    /** Sends {@code status} with the JSON error body; headers set before (Allow, Retry-After, ...) stay. */
    /**
     * Answers a request that may still carry a body without reading it: with {@code Connection:
     * close}, so the container drops the connection instead of reading the rest to reuse it, and
     * asynchronously: Tomcat reads ("swallows") the unread body of a request answered
     * synchronously with a blocking read on the request's thread before it closes the connection
     * (whatever the {@code Connection} header says, up to the connector's {@code maxSwallowSize}),
     * so a caller dribbling a body would hold a thread; a completed asynchronous request that
     * closes its connection is closed unread.
     */
    static void sendUnread(HttpServletRequest req, HttpServletResponse resp, int status, ErrorCode code,
                           String message) throws IOException {
        resp.setHeader("Connection", "close");
        AsyncContext async = req.startAsync();
        try {
            send(resp, status, code, message);
        } finally {
            async.complete();
        }
    }

    public static void send(HttpServletResponse resp, int status, ErrorCode code, String message) throws IOException {
        byte[] body = json(code, message).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    /**
     * For the read-only endpoints: true for GET and HEAD; otherwise answers 405 with
     * {@code Allow: GET, HEAD} and {@code hint} and returns false.
     */
    static boolean readOnly(HttpServletRequest req, HttpServletResponse resp, String hint) throws IOException {
        if ("GET".equals(req.getMethod()) || "HEAD".equals(req.getMethod())) {
            return true;
        }
        resp.setHeader("Allow", "GET, HEAD");
        send(resp, 405, ErrorCode.BAD_REQUEST, hint);
        return false;
    }
}
