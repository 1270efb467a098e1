package dev.socketserver.transport.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;

/**
 * Requires {@code authorization: Bearer <key>} with a key from {@code API_KEYS} on every
 * backend call, compared in constant time. Server reflection is exempt: it reveals only the
 * public schema, and {@code grpcurl list} should work without a key.
 */
final class ApiKeyInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> EXEMPT_SERVICES = Set.of(
            "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

    private final List<byte[]> keys;
    private final boolean insecure;

    ApiKeyInterceptor(List<String> keys, boolean insecure) {
        this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        this.insecure = insecure;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (insecure || EXEMPT_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        String problem = check(headers.get(AUTHORIZATION));
        if (problem != null) {
            call.close(Status.UNAUTHENTICATED.withDescription(problem), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }

    private String check(String header) {
        if (keys.isEmpty()) {
            return "no API key is configured on the server (set API_KEYS); every call is refused";
        }
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return "missing API key: send metadata 'authorization: Bearer <key>'";
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] key : keys) {
            ok |= MessageDigest.isEqual(key, given);
        }
        return ok ? null : "invalid API key";
    }
}
