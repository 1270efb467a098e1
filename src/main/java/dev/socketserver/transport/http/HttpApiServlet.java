package dev.socketserver.transport.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.socketserver.auth.ApiKeys;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.stats.Stats;
import dev.socketserver.transport.api.BackendApi;
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
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code POST /api/<Method>}: the gRPC methods of {@code notifications.NotificationService}
 * with JSON bodies in protobuf's JSON mapping (method names case-insensitive). Each request goes
 * to the same {@link BackendApi} the gRPC transport calls, so validation and results are
 * identical; a {@link ServerException}'s code gives the status. Status mapping: 400 bad_request, 401 unauthorized, 403 forbidden, 404 not_found
 * (also an unknown method), 405 not POST, 408 body too slow, 413 body over {@code MAX_PUBLISH_BYTES} (limit_exceeded)
 * or a notification whose frame is over {@code CLIENT_QUEUE_MAX_BYTES} (too_large), 429
 * limit_exceeded, 503 unavailable, 500 internal.
 *
 * <p>Slow clients hold no container thread: everything decided from the headers (method, key,
 * path, a declared length over the bound, the in-flight bound: 503) is answered before a byte of
 * the body is read, with {@code Connection: close} when a body is left unread; the body is read
 * with non-blocking servlet I/O under a deadline (408) and the size bound (413).
 *
 * <p>Calls are asynchronous (servlet async, no timeout): no container thread waits for a call,
 * and the answer comes when the call completes. A publication is answered with its result once
 * accepted (also when flow control held the reply); it is never answered with a failure after
 * it was accepted, so a backend that retries on failure does not publish twice.
 */
public final class HttpApiServlet extends HttpServlet {
    private static final Logger LOG = Logger.getLogger(HttpApiServlet.class.getName());
    /** A request attribute: the request was refused unread through an asynchronous answer that is already complete. */
    private static final String ANSWERED_UNREAD = HttpApiServlet.class.getName() + ".answeredUnread";

    private record Method<Q extends Message>(String name, Q prototype, Function<Q, CompletionStage<? extends Message>> invoke) {
    }

    /**
     * {@code maxBodyBytes}: the largest body ({@code MAX_PUBLISH_BYTES}, 413 beyond);
     * {@code bodyTimeout}: how long the whole body may take to arrive ({@code API_BODY_TIMEOUT},
     * 408 beyond); {@code maxInFlight}: requests between their headers and their answer
     * ({@code API_MAX_IN_FLIGHT}, 503 beyond).
     */
    public record Limits(int maxBodyBytes, Duration bodyTimeout, int maxInFlight) {
    }

    private final transient ApiKeys keys;
    private final transient Stats stats;
    private final Limits limits;
    private final transient Semaphore inFlight;
    private final transient ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread t = new Thread(runnable, "socket-server-api-body-deadlines");
        t.setDaemon(true);
        return t;
    });
    private final transient Map<String, Method<?>> methods = new TreeMap<>();
    private final transient JsonFormat.Parser parser = JsonFormat.parser().usingTypeRegistry(BackendApi.knownTypes());
    private final transient JsonFormat.Printer printer;

    public HttpApiServlet(BackendApi api, ApiKeys keys, Limits limits) {
        this(api, keys, limits, Stats.disabled());
    }

    /** @param stats counts every call by method and HTTP status (api {@code http}) */
    public HttpApiServlet(BackendApi api, ApiKeys keys, Limits limits, Stats stats) {
        this.keys = keys;
        this.stats = stats;
        this.limits = limits;
        this.inFlight = new Semaphore(limits.maxInFlight());
        this.printer = JsonFormat.printer().omittingInsignificantWhitespace().usingTypeRegistry(BackendApi.knownTypes());
        add("Broadcast", dev.socketserver.transport.grpc.proto.Message.getDefaultInstance(), api::broadcast);
        add("NotifyRoom", MessageWithRoom.getDefaultInstance(), api::notifyRoom);
        add("PrivateNotify", MessageWithUser.getDefaultInstance(), api::privateNotify);
        add("Publish", PublishRequest.getDefaultInstance(), api::publish);
        add("History", HistoryRequest.getDefaultInstance(), api::history);
        add("Presence", PresenceRequest.getDefaultInstance(), api::presence);
        add("PresenceStats", PresenceStatsRequest.getDefaultInstance(), api::presenceStats);
        add("Subscribe", SubscribeRequest.getDefaultInstance(), api::subscribe);
        add("Unsubscribe", UnsubscribeRequest.getDefaultInstance(), api::unsubscribe);
        add("Disconnect", DisconnectRequest.getDefaultInstance(), api::disconnect);
        add("Rooms", RoomsRequest.getDefaultInstance(), api::rooms);
        add("Info", InfoRequest.getDefaultInstance(), api::info);
    }

    private <Q extends Message> void add(String name, Q prototype, Function<Q, CompletionStage<? extends Message>> call) {
        methods.put(name.toLowerCase(Locale.ROOT), new Method<>(name, prototype, call));
    }

    public void install(ServletContext context) {
        ServletRegistration.Dynamic reg = context.addServlet("socket-server-http-api", this);
        reg.addMapping("/api/*");
        reg.setLoadOnStartup(1);
        reg.setAsyncSupported(true);
    }

    /**
     * Counts every answer by method ({@code unknown} for a path that names none, so the label
     * stays bounded) and status: answers given here at once, and asynchronous ones when the
     * request completes.
     */
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Method<?> named = req.getPathInfo() == null ? null : methods.get(req.getPathInfo().substring(1).toLowerCase(Locale.ROOT));
        String label = named == null ? "unknown" : named.name();
        try {
            handle(req, resp, label);
        } finally {
            if (!req.isAsyncStarted() || req.getAttribute(ANSWERED_UNREAD) != null) {
                stats.apiCall("http", label, Integer.toString(resp.getStatus()));
            }
        }
    }

    private void handle(HttpServletRequest req, HttpServletResponse resp, String label) throws IOException {
        if (!"POST".equals(req.getMethod())) {
            resp.setHeader("Allow", "POST");
            refuseUnread(req, resp, 405, ErrorCode.BAD_REQUEST, "use POST /api/<Method> with a JSON body");
            return;
        }
        // Everything decided from the headers is decided before a byte of the body is read, so
        // a caller without a key makes the server read nothing.
        String problem = keys.check(req.getHeader("Authorization"));
        if (problem != null) {
            resp.setHeader("WWW-Authenticate", "Bearer");
            refuseUnread(req, resp, 401, ErrorCode.UNAUTHORIZED, problem);
            return;
        }
        String path = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
        Method<?> method = methods.get(path.toLowerCase(Locale.ROOT));
        if (method == null) {
            refuseUnread(req, resp, 404, ErrorCode.NOT_FOUND, "unknown method '" + path + "'; one of " + methods.keySet());
            return;
        }
        if (req.getContentLengthLong() > limits.maxBodyBytes()) {
            refuseUnread(req, resp, 413, ErrorCode.LIMIT_EXCEEDED, tooLargeMessage());
            return;
        }
        if (!inFlight.tryAcquire()) {
            resp.setHeader("Retry-After", "1");
            refuseUnread(req, resp, 503, ErrorCode.UNAVAILABLE,
                    "too many API requests in flight (API_MAX_IN_FLIGHT=" + limits.maxInFlight() + "); retry");
            return;
        }
        AsyncContext async;
        try {
            async = req.startAsync();
            async.setTimeout(0); // the body has its own deadline, and the call decides when it is done
            async.addListener(new PermitRelease(inFlight));
            if (stats.enabled()) {
                async.addListener(new Counted(stats, label));
            }
        } catch (RuntimeException e) {
            inFlight.release();
            throw e;
        }
        BodyReader.read(req.getInputStream(), limits.maxBodyBytes(), limits.bodyTimeout(), deadlines, new BodyReader.Outcome() {
            @Override
            public void body(byte[] body) {
                invoke(method, new String(body, StandardCharsets.UTF_8), async);
            }

            @Override
            public void tooLarge() {
                answer(async, out -> closing(out, 413, ErrorCode.LIMIT_EXCEEDED, tooLargeMessage()));
            }

            @Override
            public void tooSlow() {
                answer(async, out -> closing(out, 408, ErrorCode.BAD_REQUEST, "request body not received within "
                        + limits.bodyTimeout().toMillis() + " ms (API_BODY_TIMEOUT)"));
            }

            @Override
            public void failed(Throwable t) {
                LOG.log(Level.FINE, "HTTP API request body not read (client gone?)", t);
                answer(async, out -> closing(out, 400, ErrorCode.BAD_REQUEST, "request body could not be read"));
            }
        });
    }

    @Override
    public void destroy() {
        deadlines.shutdownNow();
    }

    private String tooLargeMessage() {
        return "request body over " + limits.maxBodyBytes() + " bytes";
    }

    /**
     * Answers without reading the body; a request that may still carry one as
     * {@link HttpErrors#sendUnread} does, so a caller without a key dribbling a body holds no thread.
     */
    private static void refuseUnread(HttpServletRequest req, HttpServletResponse resp, int status, ErrorCode code,
                                     String message) throws IOException {
        if (req.getContentLengthLong() == 0 || (req.getContentLengthLong() < 0 && req.getHeader("Transfer-Encoding") == null)) {
            error(resp, status, code, message);
            return;
        }
        req.setAttribute(ANSWERED_UNREAD, Boolean.TRUE); // answered here, counted by service()
        HttpErrors.sendUnread(req, resp, status, code, message);
    }

    private static void closing(HttpServletResponse out, int status, ErrorCode code, String message) throws IOException {
        out.setHeader("Connection", "close");
        error(out, status, code, message);
    }

    /**
     * An asynchronous request's listener that acts only when it completes: no timeout is set,
     * onComplete follows an error, and a request is started once.
     */
    private interface WhenComplete extends AsyncListener {
        @Override
        default void onTimeout(AsyncEvent event) {
        }

        @Override
        default void onError(AsyncEvent event) {
        }

        @Override
        default void onStartAsync(AsyncEvent event) {
        }
    }

    /** Gives the in-flight permit back when the request ends, however it ends. */
    private record PermitRelease(Semaphore permits) implements WhenComplete {
        @Override
        public void onComplete(AsyncEvent event) {
            permits.release();
        }
    }

    /** Counts an asynchronous answer once its request completes. */
    private record Counted(Stats stats, String method) implements WhenComplete {
        @Override
        public void onComplete(AsyncEvent event) {
            int status = event.getSuppliedResponse() instanceof HttpServletResponse r ? r.getStatus() : 500;
            stats.apiCall("http", method, Integer.toString(status));
        }
    }

    private <Q extends Message> void invoke(Method<Q> method, String json, AsyncContext async) {
        Message.Builder builder = method.prototype().newBuilderForType();
        // Our own reading names what is wrong in our words; the protobuf parser's texts (and
        // those of the JSON library under it) are only logged.
        String problem = json.isBlank() ? null : JsonBodies.problem(json, builder.getDescriptorForType());
        if (problem != null) {
            answer(async, out -> error(out, 400, ErrorCode.BAD_REQUEST, problem));
            return;
        }
        try {
            if (!json.isBlank()) {
                parser.merge(json, builder);
            }
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            LOG.log(Level.FINE, "unparsable HTTP API request", e);
            String message = "the body is not a valid " + builder.getDescriptorForType().getName()
                    + ": a value of a well-known type in it (an Any's \"@type\" and fields, a Value) does not decode, or a field is given twice";
            answer(async, out -> error(out, 400, ErrorCode.BAD_REQUEST, message));
            return;
        }
        @SuppressWarnings("unchecked")
        Q request = (Q) builder.build();
        method.invoke().apply(request).whenComplete((response, failure) -> {
            if (failure != null) {
                answer(async, out -> failed(out, failure));
            } else {
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

    /** A failed call: a {@link ServerException} as its status and code with its message; anything else is ours (500). */
    private static void failed(HttpServletResponse out, Throwable failure) throws IOException {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof ServerException e) {
            // The gRPC transport's statuses for the same codes: RESOURCE_EXHAUSTED covers both
            // limit words, which HTTP reports as one (429 limit_exceeded) as it always did.
            ErrorCode code = e.code() == ErrorCode.TOO_MANY_REQUESTS ? ErrorCode.LIMIT_EXCEEDED
                    : e.code() == ErrorCode.TOKEN_EXPIRED ? ErrorCode.UNAUTHORIZED : e.code();
            error(out, httpStatus(code), code, e.getMessage());
        } else {
            LOG.log(Level.WARNING, "unexpected failure in an HTTP API call", cause);
            error(out, 500, ErrorCode.INTERNAL, "internal error");
        }
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

    static int httpStatus(ErrorCode code) {
        return switch (code) {
            case BAD_REQUEST -> 400;
            case UNAUTHORIZED, TOKEN_EXPIRED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case TOO_LARGE -> 413;
            case LIMIT_EXCEEDED, TOO_MANY_REQUESTS -> 429;
            case UNAVAILABLE -> 503;
            case INTERNAL -> 500;
        };
    }

    private static void error(HttpServletResponse resp, int status, ErrorCode code, String message) throws IOException {
        HttpErrors.send(resp, status, code, message);
    }
}
