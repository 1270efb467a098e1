package dev.socketserver.transport.grpc;

import dev.socketserver.auth.ApiKeys;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;

/**
 * Requires {@code authorization: Bearer <key>} metadata with a key from {@code API_KEYS} on every
 * backend call. Server reflection is exempt: it reveals only the public schema, and
 * {@code grpcurl list} should work without a key. So is the health service: probes carry no key,
 * and it reveals only SERVING or NOT_SERVING.
 */
final class ApiKeyInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> EXEMPT_SERVICES = Set.of(
            "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
            HealthGrpc.SERVICE_NAME);

    private final ApiKeys keys;

    ApiKeyInterceptor(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (!EXEMPT_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
            String problem = keys.check(headers.get(AUTHORIZATION));
            if (problem != null) {
                call.close(Status.UNAUTHENTICATED.withDescription(problem), new Metadata());
                return new ServerCall.Listener<>() { };
            }
        }
        return next.startCall(call, headers);
    }
}
