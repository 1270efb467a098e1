package dev.socketserver.transport.grpc;

import dev.socketserver.stats.Stats;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;

/**
 * Counts every call of the backend API's services by method and final status
 * ({@link Stats#apiCall}, api {@code grpc}). Installed outermost, so refusals by the key and drain
 * interceptors are counted too. Labels stay bounded: the method is one the service defines (grpc
 * answers unknown ones before any interceptor), the status one of gRPC's codes.
 */
final class CallCounter implements ServerInterceptor {
    private final Stats stats;
    private final Set<String> services;

    CallCounter(Stats stats, Set<String> services) {
        this.stats = stats;
        this.services = services;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (!stats.enabled() || !services.contains(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        String method = call.getMethodDescriptor().getBareMethodName();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                stats.apiCall("grpc", method, status.getCode().name());
                super.close(status, trailers);
            }
        }, headers);
    }
}
