package dev.socketserver.transport.grpc;

import dev.socketserver.error.ServerException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Maps core errors to gRPC statuses: the only place this mapping lives. The error's own code
 * travels along as the {@link #ERROR_CODE} trailer, so a client can tell apart what one gRPC
 * status covers (a {@code too_large} from a {@code limit_exceeded}).
 */
public final class GrpcErrors {
    /** The {@link dev.socketserver.error.ErrorCode#wire() wire word} of the error behind a status. */
    private static final Metadata.Key<String> ERROR_CODE = Metadata.Key.of("x-error-code", Metadata.ASCII_STRING_MARSHALLER);

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
                case LIMIT_EXCEEDED, TOO_LARGE, TOO_MANY_REQUESTS -> Status.RESOURCE_EXHAUSTED;
                case UNAVAILABLE -> Status.UNAVAILABLE;
                case INTERNAL -> Status.INTERNAL;
            };
            Metadata trailers = new Metadata();
            trailers.put(ERROR_CODE, e.code().wire());
            return status.withDescription(e.getMessage()).asRuntimeException(trailers);
        }
        LOG.log(Level.WARNING, "unexpected failure in a gRPC call", cause);
        return Status.INTERNAL.withDescription("internal error").asRuntimeException();
    }
}
