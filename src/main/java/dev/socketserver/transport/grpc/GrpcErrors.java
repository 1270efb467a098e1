package dev.socketserver.transport.grpc;

import dev.socketserver.error.ServerException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Maps core errors to gRPC statuses: the only place this mapping lives. */
final class GrpcErrors {
    private static final Logger LOG = Logger.getLogger(GrpcErrors.class.getName());

    private GrpcErrors() {
    }

    static StatusRuntimeException toStatus(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof StatusRuntimeException s) {
            return s;
        }
        if (cause instanceof ServerException e) {
            Status status = switch (e.code()) {
                case BAD_REQUEST -> Status.INVALID_ARGUMENT;
                case UNAUTHORIZED, TOKEN_EXPIRED -> Status.UNAUTHENTICATED;
                case FORBIDDEN -> Status.PERMISSION_DENIED;
                case NOT_FOUND -> Status.NOT_FOUND;
                case LIMIT_EXCEEDED, TOO_MANY_REQUESTS -> Status.RESOURCE_EXHAUSTED;
                case UNAVAILABLE -> Status.UNAVAILABLE;
                case INTERNAL -> Status.INTERNAL;
            };
            return status.withDescription(e.getMessage()).asRuntimeException();
        }
        LOG.log(Level.WARNING, "unexpected failure in a gRPC call", cause);
        return Status.INTERNAL.withDescription("internal error").asRuntimeException();
    }
}
