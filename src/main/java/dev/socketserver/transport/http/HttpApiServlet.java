package dev.socketserver.transport.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.socketserver.auth.ApiKeys;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.transport.grpc.BodyRenderer;
import dev.socketserver.transport.grpc.GrpcErrors;
import dev.socketserver.transport.grpc.NotificationGrpcService;
import dev.socketserver.transport.grpc.proto.DisconnectRequest;
import dev.socketserver.transport.grpc.proto.HistoryRequest;
import dev.socketserver.transport.grpc.proto.InfoRequest;
import dev.socketserver.transport.grpc.proto.MessageWithRoom;
import dev.socketserver.transport.grpc.proto.MessageWithUser;
import dev.socketserver.transport.grpc.proto.PresenceRequest;
import dev.socketserver.transport.grpc.proto.PresenceStatsRequest;
import dev.socketserver.transport.grpc.proto.PublishRequest;
import dev.socketserver.transport.grpc.proto.RoomsRequest;
import dev.socketserver.transport.grpc.proto.SubscribeRequest;
import dev.socketserver.transport.grpc.proto.UnsubscribeRequest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code POST /api/<Method>}: the gRPC methods of {@code notifications.NotificationService}
 * with JSON bodies in protobuf's JSON mapping (method names case-insensitive). The request is
 * handed to the same service implementation gRPC uses, so validation and results are
 * identical. Status mapping: 400 bad_request, 401 unauthorized, 403 forbidden, 404 not_found
 * (also an unknown method), 405 not POST, 413 body over {@code MAX_PUBLISH_BYTES} (limit_exceeded)
 * or a notification whose frame is over {@code CLIENT_QUEUE_MAX_BYTES} (too_large), 429
 * limit_exceeded, 503 unavailable, 500 internal.
 *
 * <p>Calls are asynchronous (servlet async, no timeout): no container thread waits for a call,
 * and the answer comes when the call completes. A publication is answered with its result once
 * accepted (also when flow control held the reply); it is never answered with a failure after
 * it was accepted, so a backend that retries on failure does not publish twice.
 */
public final class HttpApiServlet extends HttpServlet {
    private static final Logger LOG = Logger.getLogger(HttpApiServlet.class.getName());

    private record Method<Q extends Message>(Q prototype, BiConsumer<Q, StreamObserver<Message>> invoke) {
    }

    private final transient ApiKeys keys;
    private final int maxBodyBytes;
    private final transient Map<String, Method<?>> methods = new TreeMap<>();
    private final transient JsonFormat.Parser parser = JsonFormat.parser().usingTypeRegistry(BodyRenderer.knownTypes());
    private final transient JsonFormat.Printer printer;

    public HttpApiServlet(NotificationGrpcService s, ApiKeys keys, int maxBodyBytes) {
        this.keys = keys;
        this.maxBodyBytes = maxBodyBytes;
        this.printer = JsonFormat.printer().omittingInsignificantWhitespace().usingTypeRegistry(BodyRenderer.knownTypes());
        add("Broadcast", dev.socketserver.transport.grpc.proto.Message.getDefaultInstance(), s::broadcast);
        add("NotifyRoom", MessageWithRoom.getDefaultInstance(), s::notifyRoom);
        add("PrivateNotify", MessageWithUser.getDefaultInstance(), s::privateNotify);
        add("Publish", PublishRequest.getDefaultInstance(), s::publish);
        add("History", HistoryRequest.getDefaultInstance(), s::history);
        add("Presence", PresenceRequest.getDefaultInstance(), s::presence);
        add("PresenceStats", PresenceStatsRequest.getDefaultInstance(), s::presenceStats);
        add("Subscribe", SubscribeRequest.getDefaultInstance(), s::subscribe);
        add("Unsubscribe", UnsubscribeRequest.getDefaultInstance(), s::unsubscribe);
        add("Disconnect", DisconnectRequest.getDefaultInstance(), s::disconnect);
        add("Rooms", RoomsRequest.getDefaultInstance(), s::rooms);
        add("Info", InfoRequest.getDefaultInstance(), s::info);
    }

    @SuppressWarnings("unchecked")
    private <Q extends Message, R extends Message> void add(String name, Q prototype, BiConsumer<Q, StreamObserver<R>> call) {
        methods.put(name.toLowerCase(Locale.ROOT), new Method<>(prototype,
                (q, out) -> call.accept(q, (StreamObserver<R>) (StreamObserver<?>) out)));
    }

    public void install(ServletContext context) {
        ServletRegistration.Dynamic reg = context.addServlet("socket-server-http-api", this);
        reg.addMapping("/api/*");
        reg.setLoadOnStartup(1);
        reg.setAsyncSupported(true);
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!"POST".equals(req.getMethod())) {
            resp.setHeader("Allow", "POST");
            error(resp, 405, ErrorCode.BAD_REQUEST, "use POST /api/<Method> with a JSON body");
            return;
        }
        String problem = keys.check(req.getHeader("Authorization"));
        if (problem != null) {
            readBody(req); // consumed, so the connection stays usable for the client's next request
            resp.setHeader("WWW-Authenticate", "Bearer");
            error(resp, 401, ErrorCode.UNAUTHORIZED, problem);
            return;
        }
        String path = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
        Method<?> method = methods.get(path.toLowerCase(Locale.ROOT));
        if (method == null) {
            readBody(req);
            error(resp, 404, ErrorCode.NOT_FOUND, "unknown method '" + path + "'; one of " + methods.keySet());
            return;
        }
        byte[] body = readBody(req);
        if (body == null) {
            error(resp, 413, ErrorCode.LIMIT_EXCEEDED, "request body over " + maxBodyBytes + " bytes");
            return;
        }
        invoke(method, new String(body, StandardCharsets.UTF_8), req, resp);
    }

    private <Q extends Message> void invoke(Method<Q> method, String json, HttpServletRequest req,
                                            HttpServletResponse resp) throws IOException {
        Message.Builder builder = method.prototype().newBuilderForType();
        try {
            if (!json.isBlank()) {
                parser.merge(json, builder);
            }
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            // Protobuf's own findings (an unknown field, a wrong type) help the caller; a JSON
            // syntax error comes wrapped around the parser's exception text, which is ours to log.
            LOG.log(Level.FINE, "unparsable HTTP API request", e);
            boolean syntax = e.getCause() != null || e instanceof RuntimeException;
            error(resp, 400, ErrorCode.BAD_REQUEST, "invalid JSON for this method: "
                    + (syntax ? "malformed JSON" : e.getMessage()));
            return;
        }
        @SuppressWarnings("unchecked")
        Q request = (Q) builder.build();
        AsyncContext async = req.startAsync();
        async.setTimeout(0); // the call decides when it is done; a timeout here could only lie
        method.invoke().accept(request, new StreamObserver<>() {
            private Message value;

            @Override
            public void onNext(Message v) {
                value = v;
            }

            @Override
            public void onError(Throwable t) {
                answer(async, out -> {
                    Status s = Status.fromThrowable(t);
                    Metadata trailers = Status.trailersFromThrowable(t);
                    boolean tooLarge = trailers != null
                            && ErrorCode.TOO_LARGE.wire().equals(trailers.get(GrpcErrors.ERROR_CODE));
                    error(out, tooLarge ? 413 : httpStatus(s.getCode()), tooLarge ? ErrorCode.TOO_LARGE : errorCode(s.getCode()),
                            s.getDescription() == null ? s.getCode().name() : s.getDescription());
                });
            }

            @Override
            public void onCompleted() {
                Message response = value;
                answer(async, out -> {
                    byte[] body = printer.print(response).getBytes(StandardCharsets.UTF_8);
                    out.setStatus(200);
                    out.setContentType("application/json");
                    out.setCharacterEncoding("UTF-8");
                    out.setContentLength(body.length);
                    out.getOutputStream().write(body);
                });
            }
        });
    }

    /** What writes an answer. */
    private interface Answer {
        void write(HttpServletResponse out) throws IOException;
    }

    /** Writes the answer on a container thread (calls complete on any thread) and completes the request. */
    private static void answer(AsyncContext async, Answer answer) {
        async.start(() -> {
            HttpServletResponse out = (HttpServletResponse) async.getResponse();
            try {
                answer.write(out);
            } catch (InvalidProtocolBufferException | RuntimeException e) {
                LOG.log(Level.WARNING, "HTTP API failure", e);
                try {
                    error(out, 500, ErrorCode.INTERNAL, "internal error");
                } catch (IOException | RuntimeException ignored) {
                    // the answer had started: nothing more to say
                }
            } catch (IOException e) {
                LOG.log(Level.FINE, "HTTP API answer not written (client gone)", e);
            } finally {
                async.complete();
            }
        });
    }

    /** The body, or {@code null} when it is over the limit (then read and dropped, up to a bound, so the client sees the 413). */
    private byte[] readBody(HttpServletRequest req) throws IOException {
        try (InputStream in = req.getInputStream()) {
            byte[] b = in.readNBytes(maxBodyBytes + 1);
            if (b.length <= maxBodyBytes) {
                return b;
            }
            long discard = 8L * maxBodyBytes;
            while (discard > 0 && in.skip(Math.min(discard, 65536)) > 0) {
                discard -= 65536;
            }
            return null;
        }
    }

    static int httpStatus(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case RESOURCE_EXHAUSTED -> 429;
            case UNAVAILABLE, DEADLINE_EXCEEDED -> 503;
            default -> 500;
        };
    }

    static ErrorCode errorCode(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> ErrorCode.BAD_REQUEST;
            case UNAUTHENTICATED -> ErrorCode.UNAUTHORIZED;
            case PERMISSION_DENIED -> ErrorCode.FORBIDDEN;
            case NOT_FOUND -> ErrorCode.NOT_FOUND;
            case RESOURCE_EXHAUSTED -> ErrorCode.LIMIT_EXCEEDED;
            case UNAVAILABLE, DEADLINE_EXCEEDED -> ErrorCode.UNAVAILABLE;
            default -> ErrorCode.INTERNAL;
        };
    }

    private static void error(HttpServletResponse resp, int status, ErrorCode code, String message) throws IOException {
        HttpErrors.send(resp, status, code, message);
    }
}
