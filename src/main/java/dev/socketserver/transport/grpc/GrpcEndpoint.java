package dev.socketserver.transport.grpc;

import dev.socketserver.config.Config;
import dev.socketserver.auth.ApiKeys;
import dev.socketserver.error.ErrorCode;
import dev.socketserver.error.ServerException;
import dev.socketserver.node.Node;
import dev.socketserver.transport.grpc.proto.NotificationServiceGrpc;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.servlet.jakarta.ServletAdapter;
import io.grpc.servlet.jakarta.ServletServerBuilder;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Serves gRPC from the servlet container: builds the services on grpc-servlet with our own
 * executors, maps one servlet per service path (mapping {@code /*} would hide static files),
 * and drains on shutdown: new calls get UNAVAILABLE, in-flight calls finish (bounded), then the
 * adapter and executors stop so the container sees no leaked threads. The standard health
 * service ({@code grpc.health.v1.Health}) reports the node's readiness for the empty name and
 * each notification service name: SERVING only while the node is ready. Health calls are
 * answered while draining too (so probes and watchers see NOT_SERVING) and do not hold
 * shutdown back.
 */
public final class GrpcEndpoint implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GrpcEndpoint.class.getName());
    /** The description of UNAVAILABLE for every call (health excepted) once the drain began. */
    public static final String SHUTTING_DOWN = "server is shutting down";
    /** Every gRPC service path; the servlet is mapped to each. */
    static final String[] SERVICES = {
        "notifications.NotificationService",
        "notificationspb.NotificationService",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        HealthGrpc.SERVICE_NAME,
    };
    /** The names the health service answers for; the empty name stands for the whole server. */
    static final List<String> HEALTH_NAMES = List.of(HealthStatusManager.SERVICE_NAME_ALL_SERVICES,
            NotificationServiceGrpc.SERVICE_NAME,
            dev.socketserver.transport.grpc.proto.alias.NotificationServiceGrpc.SERVICE_NAME);

    private final ExecutorService executor;
    private final ScheduledExecutorService scheduler;
    private final ServletAdapter adapter;
    /** {@code /service/Method} of every unary method: their responses are written at once (see {@link HeadersFirstResponse}). */
    private final Set<String> unaryPaths;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean destroyed = new AtomicBoolean();
    private final Object drained = new Object();
    private volatile boolean draining;

    @SuppressWarnings("deprecation") // v1alpha reflection: older grpcurl versions only speak it
    public GrpcEndpoint(Node node, NotificationGrpcService service, ApiKeys apiKeys, Config config) {
        int threads = Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
        this.executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threads("socket-server-grpc"));
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, threads("socket-server-grpc-timer"));
        s.setRemoveOnCancelPolicy(true);
        this.scheduler = s;
        if (config.apiKeys().isEmpty() && !config.apiInsecure()) {
            LOG.warning("gRPC API refuses every call: no API key is configured (set API_KEYS, "
                    + "or API_INSECURE=true for local development only)");
        } else if (config.apiInsecure()) {
            LOG.warning("API_INSECURE=true: the gRPC API accepts calls without an API key; never do this in production");
        }
        HealthStatusManager health = new HealthStatusManager();
        node.onReadinessChange(readiness -> {
            ServingStatus status = readiness.ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
            for (String name : HEALTH_NAMES) {
                health.setStatus(name, status);
            }
        });
        List<ServerServiceDefinition> services = List.of(
                NotificationServiceGrpc.bindService(service),
                dev.socketserver.transport.grpc.proto.alias.NotificationServiceGrpc.bindService(service),
                ProtoReflectionServiceV1.newInstance().bindService(),
                ProtoReflectionService.newInstance().bindService(),
                health.getHealthService().bindService());
        this.unaryPaths = unaryPaths(services);
        ServletServerBuilder builder = new ServletServerBuilder()
                .executor(executor)
                .scheduledExecutorService(scheduler)
                .maxInboundMessageSize(config.maxPublishBytes());
        services.forEach(builder::addService);
        builder.intercept(new ApiKeyInterceptor(apiKeys))
                .intercept(new DrainInterceptor())
                .intercept(new CallCounter(node.stats(), Set.of(SERVICES[0], SERVICES[1])));
        this.adapter = builder.buildServletAdapter();
    }

    private static Set<String> unaryPaths(List<ServerServiceDefinition> services) {
        return services.stream().flatMap(d -> d.getMethods().stream())
                .map(ServerMethodDefinition::getMethodDescriptor)
                .filter(m -> m.getType() == MethodDescriptor.MethodType.UNARY)
                .map(m -> "/" + m.getFullMethodName())
                .collect(Collectors.toUnmodifiableSet());
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Maps the gRPC servlet at every service path. */
    public void install(ServletContext context) {
        ServletRegistration.Dynamic reg = context.addServlet("socket-server-grpc", new AdapterServlet(adapter, scheduler, unaryPaths));
        reg.setAsyncSupported(true);
        reg.setLoadOnStartup(1);
        for (String svc : SERVICES) {
            reg.addMapping("/" + svc + "/*");
        }
    }

    /** Refuses new calls from now on; in-flight calls keep running. */
    public void startDraining() {
        draining = true;
    }

    /** Waits up to {@code timeout} for in-flight calls, then stops everything. Idempotent. */
    public void shutdown(Duration timeout) {
        draining = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (drained) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warning(inFlight.get() + " gRPC call(s) still running after " + timeout + "; stopping anyway");
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(drained, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!destroyed.compareAndSet(false, true)) {
            return; // the adapter refuses a second destroy
        }
        adapter.destroy();
        executor.shutdown();
        scheduler.shutdownNow();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    /**
     * Counts calls so shutdown can wait for them, and refuses calls once draining. Health calls
     * pass uncounted: they report the drain, and a watch never ends by itself.
     */
    private final class DrainInterceptor implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
                return next.startCall(call, headers);
            }
            if (draining) {
                // Through GrpcErrors, so the refusal carries the x-error-code trailer like every other error.
                StatusRuntimeException refused = GrpcErrors.toStatus(
                        new ServerException(ErrorCode.UNAVAILABLE, SHUTTING_DOWN));
                call.close(refused.getStatus(), refused.getTrailers());
                return new ServerCall.Listener<>() { };
            }
            inFlight.incrementAndGet();
            ServerCall.Listener<Q> delegate;
            try {
                delegate = next.startCall(call, headers);
            } catch (RuntimeException e) {
                done();
                throw e;
            }
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
                @Override
                public void onComplete() {
                    try {
                        super.onComplete();
                    } finally {
                        done();
                    }
                }

                @Override
                public void onCancel() {
                    try {
                        super.onCancel();
                    } finally {
                        done();
                    }
                }
            };
        }

        private void done() {
            if (inFlight.decrementAndGet() == 0) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        }
    }

    /** The servlet around the adapter ({@code GrpcServlet}'s adapter constructor is not public). */
    private static final class AdapterServlet extends HttpServlet {
        private final transient ServletAdapter adapter;
        private final transient ScheduledExecutorService scheduler;
        private final transient Set<String> unaryPaths;

        AdapterServlet(ServletAdapter adapter, ScheduledExecutorService scheduler, Set<String> unaryPaths) {
            this.adapter = adapter;
            this.scheduler = scheduler;
            this.unaryPaths = unaryPaths;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            adapter.doGet(req, resp);
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            // Outside in: the upload-aware request holds a completion until the client's upload
            // ended; the reset guard lets only its own error listener complete a failed request.
            ResetGuardRequest guarded = new ResetGuardRequest(req);
            boolean unary = unaryPaths.contains(req.getServletPath() + req.getPathInfo());
            adapter.doPost(new UploadAwareRequest(guarded, scheduler), new HeadersFirstResponse(resp, unary));
            guarded.afterService();
        }
    }
}
